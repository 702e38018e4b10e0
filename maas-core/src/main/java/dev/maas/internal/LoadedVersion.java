package dev.maas.internal;

import dev.maas.batch.SchedulerStats;
import dev.maas.spi.LoadedModel;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A version loaded into the runtime with its scheduler. Retiring it stops new calls, lets the
 * queued and running ones finish, then closes the model: the runtime never sees close during run.
 */
final class LoadedVersion {
  private final ModelVersion version;
  private final Manifest manifest;
  private final LoadedModel model;
  private final Scheduler scheduler;
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile long lastUsed;
  private volatile long footprint;

  LoadedVersion(ModelVersion version, Manifest manifest, LoadedModel model, Scheduler scheduler) {
    this.version = version;
    this.manifest = manifest;
    this.model = model;
    this.scheduler = scheduler;
  }

  ModelVersion version() {
    return version;
  }

  Manifest manifest() {
    return manifest;
  }

  LoadedModel model() {
    return model;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  /** Records a use, for least-recently-used eviction (a plain volatile write: cheap on the hot path). */
  void touch(long now) {
    lastUsed = now;
  }

  long lastUsed() {
    return lastUsed;
  }

  void footprint(long bytes) {
    footprint = bytes;
  }

  /** The bytes this version is weighed at against the memory budget. */
  long footprint() {
    return footprint;
  }

  SchedulerStats stats() {
    return scheduler.stats();
  }

  /** Stops new calls; the model is closed once the queued and running ones are done. */
  void retire() {
    scheduler.retire(this::closeModel);
  }

  /** Stops new calls and fails the queued ones; the model is closed once the running ones are done. */
  void shutdown() {
    scheduler.shutdown(this::closeModel);
  }

  private void closeModel() {
    try {
      model.close();
    } finally {
      closed.countDown();
    }
  }

  boolean awaitClosed(long millis) throws InterruptedException {
    return closed.await(millis, TimeUnit.MILLISECONDS);
  }
}
