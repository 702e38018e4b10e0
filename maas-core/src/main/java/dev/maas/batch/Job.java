package dev.maas.batch;

import dev.maas.version.ModelVersion;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

/**
 * A bulk job: many inputs run through the same scheduler as online calls, at a lower priority so
 * interactive latency holds. Inputs are read lazily (a stream or iterable need not fit in memory),
 * at most {@link JobOptions#window()} at a time, and items are delivered in input order. A failed
 * item is reported with its index and cause; the job goes on unless told to stop.
 *
 * <p>The version is resolved once, when the job is submitted: a promotion during the job does not
 * mix versions in its output. Thread-safe.
 */
public interface Job {
  /** The version every item runs on. */
  ModelVersion version();

  /** Where the job stands now. */
  JobStatus status();

  /** How far the job has come. */
  JobProgress progress();

  /**
   * Stops the job: no further inputs are read, queued requests are cancelled, undelivered items are
   * dropped. Returns false if the job had already ended.
   */
  boolean cancel();

  /** Completes with the final progress when the job ends, whatever the status. */
  CompletableFuture<JobProgress> completion();

  /**
   * The items in input order, blocking until each is ready; only when the job has no listener.
   * {@code hasNext()} returns false once the job has ended and every item was read.
   *
   * @throws IllegalStateException if the job delivers to a listener
   */
  Iterator<JobItem> results();
}
