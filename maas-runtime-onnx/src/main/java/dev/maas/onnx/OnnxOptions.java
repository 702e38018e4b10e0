package dev.maas.onnx;

import java.util.List;
import java.util.Objects;

/**
 * Settings of the ONNX runtime. Immutable; validated when made. Derive variants with the {@code
 * with...} methods.
 *
 * <pre>{@code
 * // CUDA when a GPU is there, the CPU otherwise:
 * OnnxOptions gpuFirst = OnnxOptions.defaults().withExecutionProviders(
 *     List.of(ExecutionProvider.cuda(0), ExecutionProvider.cpu()));
 * // CUDA or fail:
 * OnnxOptions cudaOnly = OnnxOptions.defaults().withExecutionProviders(List.of(ExecutionProvider.cuda(0)));
 * }</pre>
 *
 * <p><b>Spinning.</b> By default ONNX Runtime's pool threads spin-wait for a while when they run out
 * of work, so that the next parallel section starts without a wake-up. maas turns that off for both
 * pools ({@code session.intra_op.allow_spinning} and {@code session.inter_op.allow_spinning} set to
 * 0): maas runs inside an application, on cores the application shares, and with dynamic batching
 * it runs one batch after another with scheduling work in between — exactly where a spinning pool
 * thread burns the core that the callers and the batcher need. On a 2-core machine, 64 callers of a
 * small MLP with 2 intra-op threads: spinning off gave 65.7k rows/s at p99 1.7 ms and 25.9 µs of
 * CPU per row, spinning on 64.8k at p99 4.7 ms and 31.8 µs (and half the rows/s once other work
 * shared the machine). Spinning pays when a session has dedicated cores and latency matters most;
 * turn it back on with {@link #withSpinning(boolean, boolean)}. With one intra-op thread there is no
 * pool, and the setting changes nothing.
 *
 * <p><b>Spinning during runs only.</b> With spinning on, {@link #withSpinningStopsAfterRun(boolean)}
 * makes the pools spin only while a run is going and stop as soon as the last concurrent run on the
 * session returns ({@code session.force_spinning_stop}): a run with many parallel sections, such as
 * a transformer's, no longer wakes its sleeping pool thread at each of them, and no core is burnt
 * between runs. all-MiniLM-L6-v2, 1 caller, 2 intra-op threads, on 2 cores: 18.1 ms per call against
 * 19.1 ms with spinning off, at 2.4 context switches per call against 58 (ONNX Runtime called
 * directly, spinning all the time, took 17.9 ms in another run). It is not the default: on the small benchmark MLP with 64 callers two
 * runs gave 807 and 1061 µs per call against 798 and 794 with spinning off.
 *
 * @param intraOpThreads threads ONNX Runtime uses inside one operator; 0 lets it choose (one per core)
 * @param interOpThreads threads across independent operators; 0 lets it choose
 * @param optimizationLevel how far ONNX Runtime rewrites the graph at load
 * @param executionProviders where to run, in order of preference. When CPU is in the list, a model
 *     loads on the CPU if an earlier provider cannot be used (a single log line says why); without
 *     CPU, a provider that cannot be used fails the load with a {@link dev.maas.ModelLoadException}.
 * @param intraOpSpinning whether the intra-op pool's threads spin-wait for work
 *     ({@code session.intra_op.allow_spinning}); false by default, see above
 * @param interOpSpinning whether the inter-op pool's threads spin-wait for work
 *     ({@code session.inter_op.allow_spinning}); false by default
 * @param spinningStopsAfterRun whether spinning pools stop spinning as soon as the last concurrent
 *     run of a session returns ({@code session.force_spinning_stop}); false by default, see above
 */
public record OnnxOptions(
    int intraOpThreads,
    int interOpThreads,
    OptimizationLevel optimizationLevel,
    List<ExecutionProvider> executionProviders,
    boolean intraOpSpinning,
    boolean interOpSpinning,
    boolean spinningStopsAfterRun) {

  /** ONNX Runtime's graph optimization levels. */
  public enum OptimizationLevel {
    /** No graph rewrites. */
    DISABLED,
    /** Constant folding and redundant-node removal. */
    BASIC,
    /** Basic plus operator fusions. */
    EXTENDED,
    /** Everything, including layout changes (ONNX Runtime's default). */
    ALL
  }

  /** Validates and copies. */
  public OnnxOptions {
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException("thread counts must be >= 0 (0 = ONNX Runtime's choice)");
    }
    Objects.requireNonNull(optimizationLevel, "optimizationLevel");
    executionProviders = List.copyOf(executionProviders);
    if (executionProviders.isEmpty()) {
      throw new IllegalArgumentException("name at least one execution provider");
    }
    if (executionProviders.stream().distinct().count() != executionProviders.size()) {
      throw new IllegalArgumentException("execution provider listed twice: " + executionProviders);
    }
  }

  /**
   * Options without a say on spinning: the pools do not spin (see the class comment).
   *
   * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose
   * @param interOpThreads threads across independent operators; 0 lets ONNX Runtime choose
   * @param optimizationLevel how far ONNX Runtime rewrites the graph at load
   * @param executionProviders where to run, in order of preference
   */
  public OnnxOptions(int intraOpThreads, int interOpThreads, OptimizationLevel optimizationLevel,
      List<ExecutionProvider> executionProviders) {
    this(intraOpThreads, interOpThreads, optimizationLevel, executionProviders, false, false, false);
  }

  /**
   * Options with a say on spinning all the time, not on stopping it after each run.
   *
   * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose
   * @param interOpThreads threads across independent operators; 0 lets ONNX Runtime choose
   * @param optimizationLevel how far ONNX Runtime rewrites the graph at load
   * @param executionProviders where to run, in order of preference
   * @param intraOpSpinning whether the intra-op pool's threads spin-wait for work
   * @param interOpSpinning whether the inter-op pool's threads spin-wait for work
   */
  public OnnxOptions(int intraOpThreads, int interOpThreads, OptimizationLevel optimizationLevel,
      List<ExecutionProvider> executionProviders, boolean intraOpSpinning, boolean interOpSpinning) {
    this(intraOpThreads, interOpThreads, optimizationLevel, executionProviders, intraOpSpinning, interOpSpinning,
        false);
  }

  /** ONNX Runtime's own thread counts, all optimizations, CPU only, pools that do not spin. */
  public static OnnxOptions defaults() {
    return new OnnxOptions(0, 0, OptimizationLevel.ALL, List.of(ExecutionProvider.cpu()), false, false, false);
  }

  /** These options with other thread counts (0 = ONNX Runtime's choice). */
  public OnnxOptions withThreads(int intraOp, int interOp) {
    return new OnnxOptions(intraOp, interOp, optimizationLevel, executionProviders, intraOpSpinning, interOpSpinning,
        spinningStopsAfterRun);
  }

  /**
   * These options with the pools' threads allowed, or not, to spin-wait for work (ONNX Runtime's
   * {@code session.intra_op.allow_spinning} and {@code session.inter_op.allow_spinning}). See the
   * class comment for when spinning pays.
   */
  public OnnxOptions withSpinning(boolean intraOp, boolean interOp) {
    return new OnnxOptions(intraOpThreads, interOpThreads, optimizationLevel, executionProviders, intraOp, interOp,
        spinningStopsAfterRun);
  }

  /**
   * These options with spinning pools stopping, or not, as soon as the last concurrent run of a
   * session returns (ONNX Runtime's {@code session.force_spinning_stop}; spinning restarts with the
   * next run). It matters only with spinning on ({@link #withSpinning(boolean, boolean)}). See the
   * class comment for when it pays.
   */
  public OnnxOptions withSpinningStopsAfterRun(boolean stop) {
    return new OnnxOptions(intraOpThreads, interOpThreads, optimizationLevel, executionProviders, intraOpSpinning,
        interOpSpinning, stop);
  }

  /** These options with another optimization level. */
  public OnnxOptions withOptimizationLevel(OptimizationLevel level) {
    return new OnnxOptions(intraOpThreads, interOpThreads, level, executionProviders, intraOpSpinning, interOpSpinning,
        spinningStopsAfterRun);
  }

  /** These options with other execution providers, in order of preference. */
  public OnnxOptions withExecutionProviders(List<ExecutionProvider> providers) {
    return new OnnxOptions(intraOpThreads, interOpThreads, optimizationLevel, providers, intraOpSpinning,
        interOpSpinning, spinningStopsAfterRun);
  }

  /** Whether a model may fall back to the CPU when an earlier provider cannot be used. */
  public boolean cpuFallback() {
    return executionProviders.stream().anyMatch(p -> p.kind() == ExecutionProvider.Kind.CPU);
  }
}
