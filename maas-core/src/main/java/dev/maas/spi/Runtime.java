package dev.maas.spi;

import dev.maas.ModelSignature;

/**
 * A backend that turns model bytes into something that runs: ONNX Runtime in {@code
 * maas-runtime-onnx}. Found by {@link java.util.ServiceLoader} through a {@link RuntimeProvider},
 * or given to {@code ModelService.builder().runtime(...)}; every implementation passes {@code
 * RuntimeContractTest} from maas-core's test jar.
 *
 * <p>Implementations are thread-safe. A runtime knows nothing of stores.
 */
public interface Runtime extends AutoCloseable {

  /** The name recorded in manifests, e.g. {@code "onnx"}. */
  String name();

  /**
   * Reads a model's signature, loading it only as far as needed.
   *
   * @throws dev.maas.ModelLoadException if the model cannot be read or would not load
   */
  ModelSignature inspect(ModelSource source);

  /**
   * Loads a model, ready to run. The caller owns the result and closes it.
   *
   * @throws dev.maas.ModelLoadException if the model cannot be loaded
   */
  LoadedModel load(ModelSource source);

  /** Releases what the runtime holds itself (not the models it loaded). Idempotent. */
  @Override
  default void close() {}
}
