package dev.maas.benchmarks;

/**
 * The ONNX Runtime settings every subject in a benchmark shares, so that maas and raw ONNX Runtime
 * run the same session configuration: graph optimizations ALL (ORT's and maas's default),
 * sequential execution, {@code intraOpThreads} threads per run.
 *
 * <p>Spinning ({@code session.intra_op.allow_spinning}): maas's sessions keep {@code
 * OnnxOptions.defaults()}, which does not spin. maas runs one batch after another with scheduling
 * work between them; a pool thread spin-waiting between batches takes the core the callers need
 * (see the README, "ONNX Runtime threads"). {@link RawOrtSubject} keeps ONNX Runtime's own default
 * (spinning on), which serves one thread issuing pre-formed batches back to back best. With one
 * intra-op thread there is no pool and the setting changes nothing.
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
