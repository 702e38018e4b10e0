package dev.maas.batch;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Options of a bulk job. Immutable; derive variants with the {@code with...} methods.
 *
 * @param priority the scheduling priority of the job's requests; below online calls (0) by default
 * @param window how many of the job's requests may be queued or running at once (bounds memory and
 *     the share of the queue the job takes)
 * @param stopOnFirstFailure whether the first failed item ends the job ({@link JobStatus#FAILED})
 * @param listener receives every item in input order, on the job's thread; when null, read the
 *     items from {@link Job#results()} instead
 */
public record JobOptions(int priority, int window, boolean stopOnFirstFailure, Consumer<JobItem> listener) {
  /** The default priority of job requests: below online calls, which default to 0. */
  public static final int DEFAULT_PRIORITY = -100;

  /** Validates. */
  public JobOptions {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
  }

  /** Priority {@link #DEFAULT_PRIORITY}, a window of 64, going on past failures, results by iterator. */
  public static JobOptions defaults() {
    return new JobOptions(DEFAULT_PRIORITY, 64, false, null);
  }

  /** These options with another priority. */
  public JobOptions withPriority(int p) {
    return new JobOptions(p, window, stopOnFirstFailure, listener);
  }

  /** These options with another window. */
  public JobOptions withWindow(int w) {
    return new JobOptions(priority, w, stopOnFirstFailure, listener);
  }

  /** These options ending the job at its first failed item. */
  public JobOptions withStopOnFirstFailure(boolean stop) {
    return new JobOptions(priority, window, stop, listener);
  }

  /** These options delivering items to {@code listener}, in input order, on the job's thread. */
  public JobOptions withListener(Consumer<JobItem> listener) {
    return new JobOptions(priority, window, stopOnFirstFailure, Objects.requireNonNull(listener, "listener"));
  }

}
