package dev.maas.batch;

/** Where a bulk job stands. */
public enum JobStatus {
  /** Inputs are still being read or run. */
  RUNNING,
  /** Every input was run; some items may have failed (see {@link JobProgress#failed()}). */
  COMPLETED,
  /** The job stopped early: at its first failed item (when asked to), or because its inputs threw. */
  FAILED,
  /** The job was cancelled; items not yet delivered were dropped. */
  CANCELLED;

  /** Whether the job has ended. */
  public boolean isDone() {
    return this != RUNNING;
  }
}
