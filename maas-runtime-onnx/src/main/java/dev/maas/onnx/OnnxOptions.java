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
 * @param intraOpThreads threads ONNX Runtime uses inside one operator; 0 lets it choose (one per core)
 * @param interOpThreads threads across independent operators; 0 lets it choose
 * @param optimizationLevel how far ONNX Runtime rewrites the graph at load
 * @param executionProviders where to run, in order of preference. When CPU is in the list, a model
 *     loads on the CPU if an earlier provider cannot be used (a single log line says why); without
 *     CPU, a provider that cannot be used fails the load with a {@link dev.maas.ModelLoadException}.
 */
public record OnnxOptions(
    int intraOpThreads,
    int interOpThreads,
    OptimizationLevel optimizationLevel,
    List<ExecutionProvider> executionProviders) {

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

  /** ONNX Runtime's own thread defaults, all optimizations, CPU only. */
  public static OnnxOptions defaults() {
    return new OnnxOptions(0, 0, OptimizationLevel.ALL, List.of(ExecutionProvider.cpu()));
  }

  /** These options with other thread counts (0 = ONNX Runtime's choice). */
  public OnnxOptions withThreads(int intraOp, int interOp) {
    return new OnnxOptions(intraOp, interOp, optimizationLevel, executionProviders);
  }

  /** These options with another optimization level. */
  public OnnxOptions withOptimizationLevel(OptimizationLevel level) {
    return new OnnxOptions(intraOpThreads, interOpThreads, level, executionProviders);
  }

  /** These options with other execution providers, in order of preference. */
  public OnnxOptions withExecutionProviders(List<ExecutionProvider> providers) {
    return new OnnxOptions(intraOpThreads, interOpThreads, optimizationLevel, providers);
  }

  /** Whether a model may fall back to the CPU when an earlier provider cannot be used. */
  public boolean cpuFallback() {
    return executionProviders.stream().anyMatch(p -> p.kind() == ExecutionProvider.Kind.CPU);
  }
}
