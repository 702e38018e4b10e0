package dev.maas.benchmarks;

/**
 * The ONNX Runtime settings every subject in a benchmark shares, so that maas and raw ONNX Runtime
 * run the very same session configuration: graph optimizations ALL (ORT's and maas's default),
 * sequential execution, {@code intraOpThreads} threads per run.
 *
 * @param intraOpThreads threads one {@code OrtSession.run} may use (ORT's intra-op pool, caller
 *     thread included); at least 1
 */
public record OrtSettings(int intraOpThreads) {
  /** Validates. */
  public OrtSettings {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
  }

  /**
   * Inter-op threads: unused with sequential execution (ORT's default and maas's), set to 1 so
   * that no idle pool is created.
   */
  public int interOpThreads() {
    return 1;
  }
}
