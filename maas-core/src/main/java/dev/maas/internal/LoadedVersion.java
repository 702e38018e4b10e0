package dev.maas.internal;

import dev.maas.spi.InFlightGuard;
import dev.maas.spi.LoadedModel;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;

/**
 * A version loaded into the runtime, leased per call: {@link #tryAcquire()} before a run, {@link
 * #release()} after; {@link #retire()} stops new leases and closes the model when the last is
 * returned, so the runtime never sees close during run.
 */
final class LoadedVersion {
  private final ModelVersion version;
  private final Manifest manifest;
  private final LoadedModel model;
  private final InFlightGuard leases = new InFlightGuard();

  LoadedVersion(ModelVersion version, Manifest manifest, LoadedModel model) {
    this.version = version;
    this.manifest = manifest;
    this.model = model;
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

  boolean tryAcquire() {
    return leases.tryEnter();
  }

  void release() {
    leases.exit();
  }

  /** Stops new leases; the model is closed once the last lease is returned. */
  void retire() {
    leases.close(model::close);
  }

  boolean awaitClosed(long millis) throws InterruptedException {
    return leases.awaitIdle(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
