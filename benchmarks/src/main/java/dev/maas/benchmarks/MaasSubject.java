package dev.maas.benchmarks;

import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.SchedulerStats;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * maas as its users call it: a {@link ModelService} on a fresh filesystem store in a temporary
 * directory, one model deployed, {@code predict} from the calling thread. Each call builds the
 * request's {@link Tensor}s from the Java arrays and copies the output with {@link
 * Tensor#toFloatArray()}. Thread-safe.
 */
public final class MaasSubject implements Subject {
  private final Path storeDir;
  private final OnnxRuntime runtime;
  private final ModelService service;
  private final ModelRef ref;

  /**
   * Starts a service, deploys {@code model} and loads it with one warm-up call.
   *
   * @param model the model
   * @param settings ONNX Runtime's threads, as the raw baseline gets them (maas's pools do not spin)
   * @param policy the batching policy
   */
  public MaasSubject(BenchModel model, OrtSettings settings, BatchingPolicy policy) {
    this(model, settings, policy, "off");
  }

  /**
   * Starts a service, deploys {@code model} and loads it with one warm-up call, with a say on how
   * ONNX Runtime's intra-op pool spins.
   *
   * @param model the model
   * @param settings ONNX Runtime's threads, as the raw baseline gets them
   * @param policy the batching policy
   * @param spinning {@code off} (maas's default: the pool sleeps when out of work), {@code run} (it
   *     spins while a run is going and stops when the run returns: {@code withSpinning(true, false)
   *     .withSpinningStopsAfterRun(true)}) or {@code on} (ONNX Runtime's default: it spins between
   *     runs too)
   */
  public MaasSubject(BenchModel model, OrtSettings settings, BatchingPolicy policy, String spinning) {
    try {
      this.storeDir = Files.createTempDirectory("maas-bench-store-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.runtime = OnnxRuntime.create(spinning(OnnxOptions.defaults()
        .withThreads(settings.intraOpThreads(), settings.interOpThreads())
        .withOptimizationLevel(OnnxOptions.OptimizationLevel.ALL), spinning));
    this.service = ModelService.builder().storeDirectory(storeDir).runtime(runtime).batching(policy).build();
    service.deploy(model.id(), model.file());
    this.ref = ModelRef.parse(model.id());
    call(model.feed(1, 0)); // load the version now, not in the first measured call
  }

  private static OnnxOptions spinning(OnnxOptions o, String mode) {
    switch (mode) {
      case "off": return o;
      case "run": return o.withSpinning(true, false).withSpinningStopsAfterRun(true);
      case "on": return o.withSpinning(true, false);
      default: throw new IllegalArgumentException("spinning must be off, run or on, got " + mode);
    }
  }

  @Override
  public float[] call(Feed feed) {
    return service.predict(ref, request(feed)).output(feed.output()).toFloatArray();
  }

  /**
   * Starts one call with {@code predictAsync}; the future's value is the output copied as {@link
   * #call} copies it.
   */
  public CompletableFuture<float[]> callAsync(Feed feed) {
    return service.predictAsync(ref, request(feed)).thenApply(r -> r.output(feed.output()).toFloatArray());
  }

  private static InferenceRequest request(Feed feed) {
    InferenceRequest.Builder b = InferenceRequest.builder();
    for (Feed.Input i : feed.inputs()) {
      b.input(i.name(), i.values() instanceof float[] f ? Tensor.of(f, i.shape()) : Tensor.of((long[]) i.values(), i.shape()));
    }
    return b.build();
  }

  /** The scheduler's statistics of the deployed version. */
  public SchedulerStats stats() {
    return service.stats().get(0);
  }

  @Override
  public void close() {
    try {
      service.close();
    } finally {
      runtime.close();
      try {
        S3LoadBenchmark.deleteTree(storeDir);
      } catch (IOException e) {
        // a leftover temp directory is not worth failing a benchmark for
      }
    }
  }
}
