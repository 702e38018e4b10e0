package dev.maas.benchmarks;

import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ModelSignature;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.batch.BatchingPolicy;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import dev.maas.spi.Runtime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * <b>What does maas itself cost per call, with no model arithmetic and no native code at all?</b>
 * A {@link Runtime} whose model answers each request with its own input ({@link NoOpRuntime}: a
 * {@code float32 [batch, 256]} in, the same tensor out) runs behind a real {@link ModelService} on a
 * filesystem store, so that every µs measured is maas's: access check, version resolution, input
 * validation, admission, the queue and the batching (concatenating the rows and splitting the
 * answer), the futures and wake-ups, and the per-call conversions a caller pays ({@code Tensor.of}
 * in, {@code toFloatArray()} out).
 *
 * <ul>
 *   <li>{@link #maasPredict}: {@code ModelService.predict}, batching {@code off} ({@link
 *       Policies#off()}: the call runs on the caller's thread) or {@code on} ({@link
 *       Policies#batched()}); with {@code -t N} for N concurrent callers.
 *   <li>{@link #direct}: the same conversions and the no-op model called directly, without maas:
 *       the floor the difference is read against.
 * </ul>
 *
 * <p>The score is calls per second (with N callers, of all of them: JMH's average time per call
 * misleads when 64 threads share 2 cores, since a thread that seldom gets a core reports a huge
 * mean). Run with {@code -prof gc} for the bytes allocated per call (maas's part is the difference
 * from {@code direct}) and {@code -prof dev.maas.benchmarks.CpuTimeProfiler} for CPU time per call.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark -prof gc
 * java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark.maasPredict -p batching=on -t 64 \
 *     -prof dev.maas.benchmarks.CpuTimeProfiler
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SchedulerBenchmark {
  /** Elements per row, as the benchmark MLP takes them. */
  static final int WIDTH = 256;

  /** A runtime whose models answer {@code y = x} without computing anything; no native code. */
  static final class NoOpRuntime implements Runtime {
    static final ModelSignature SIGNATURE = new ModelSignature(
        List.of(new TensorSpec("x", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.fixed(WIDTH)))),
        List.of(new TensorSpec("y", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.fixed(WIDTH)))));

    @Override
    public String name() {
      return "noop";
    }

    @Override
    public ModelSignature inspect(ModelSource source) {
      return SIGNATURE;
    }

    @Override
    public LoadedModel load(ModelSource source) {
      return new NoOpModel();
    }
  }

  /** Answers each request with its input. */
  static final class NoOpModel implements LoadedModel {
    @Override
    public ModelSignature signature() {
      return NoOpRuntime.SIGNATURE;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
      return Map.of("y", inputs.get("x"));
    }

    @Override
    public long footprintBytes() {
      return 0;
    }

    @Override
    public void close() {}
  }

  /** A service with the no-op model deployed and loaded. */
  @State(Scope.Benchmark)
  public static class Service {
    /** {@code off}: {@link Policies#off()}; {@code on}: {@link Policies#batched()}. */
    @Param({"off", "on"})
    public String batching;

    Path storeDir;
    ModelService service;
    ModelRef ref;
    final float[] row = new float[WIDTH];

    /** Starts the service, deploys a placeholder file as the model and loads it with one call. */
    @Setup
    public void setUp() throws IOException {
      BatchingPolicy policy = switch (batching) {
        case "off" -> Policies.off();
        case "on" -> Policies.batched();
        default -> throw new IllegalArgumentException("batching must be off or on, got " + batching);
      };
      for (int i = 0; i < WIDTH; i++) {
        row[i] = i * 0.5f;
      }
      storeDir = Files.createTempDirectory("maas-bench-noop-");
      Path file = Files.writeString(storeDir.resolve("noop.model"), "no weights: the no-op runtime ignores this file");
      service = ModelService.builder().storeDirectory(storeDir.resolve("store")).runtime(new NoOpRuntime())
          .batching(policy).build();
      service.deploy("noop", file);
      ref = ModelRef.parse("noop");
      call(this);
    }

    /** Closes the service and deletes the store. */
    @TearDown
    public void tearDown() throws IOException {
      service.close();
      S3LoadBenchmark.deleteTree(storeDir);
    }
  }

  /** The model alone, for {@link #direct}. */
  @State(Scope.Benchmark)
  public static class Direct {
    final NoOpModel model = new NoOpModel();
    final float[] row = new float[WIDTH];
  }

  static float[] call(Service s) {
    InferenceRequest r = InferenceRequest.builder().input("x", Tensor.of(s.row, 1, WIDTH)).build();
    return s.service.predict(s.ref, r).output("y").toFloatArray();
  }

  /** One row through {@code ModelService.predict}, built and read back as a caller does. */
  @Benchmark
  public float[] maasPredict(Service s) {
    return call(s);
  }

  /** The same row through the no-op model called directly: the conversions and nothing of maas. */
  @Benchmark
  public float[] direct(Direct d) {
    return d.model.run(Map.of("x", Tensor.of(d.row, 1, WIDTH))).get("y").toFloatArray();
  }
}
