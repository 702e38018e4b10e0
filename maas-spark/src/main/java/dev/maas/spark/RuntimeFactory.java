package dev.maas.spark;

import dev.maas.spark.internal.DiscoveredRuntime;
import dev.maas.spi.Runtime;
import java.io.Serializable;

/**
 * Makes the {@link Runtime} of an executor's {@code ModelService}. It is serialized into the job
 * and called once per executor JVM (per distinct configuration), so a lambda works as long as what
 * it captures is serializable:
 *
 * <pre>{@code
 * // ONNX Runtime with one thread per call: Spark's task slots already use the executor's cores.
 * RuntimeFactory onnx = () -> OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
 * }</pre>
 *
 * <p>The runtime made is closed when the executor JVM exits, after the service that uses it.
 */
@FunctionalInterface
public interface RuntimeFactory extends Serializable {

  /**
   * Makes a runtime; the caller owns it and closes it.
   *
   * @return a new runtime
   */
  Runtime create();

  /**
   * The default: the one runtime found on the executor's classpath by {@link
   * java.util.ServiceLoader} (a {@link dev.maas.spi.RuntimeProvider}), with its default settings.
   * For {@code maas-runtime-onnx} that lets ONNX Runtime use every core in each call, which
   * competes with Spark's other task slots; prefer a factory with one thread per call on CPU
   * executors. {@link #create()} fails with an {@link IllegalStateException} when no provider, or
   * more than one, is on the classpath.
   *
   * @return the discovering factory (a singleton)
   */
  static RuntimeFactory discover() {
    return DiscoveredRuntime.INSTANCE;
  }
}
