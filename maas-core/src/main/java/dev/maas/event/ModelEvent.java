package dev.maas.event;

import dev.maas.MaasException;
import dev.maas.version.ModelVersion;
import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened to a model: published, routed, loaded, failed to load, retired or
 * evicted. Delivered to {@link ModelEventListener}s in the order they happened, on one thread.
 */
public sealed interface ModelEvent {
  /** When the service saw it happen. */
  Instant at();

  /** The model concerned. */
  String model();

  /**
   * A new version appeared in the store (deployed here or seen by polling).
   *
   * @param at when it was seen
   * @param version the version
   */
  record VersionPublished(Instant at, ModelVersion version) implements ModelEvent {
    @Override
    public String model() {
      return version.model();
    }
  }

  /**
   * Routing of an alias (or of "latest", named {@code latest}) switched to another version: the new
   * version is loaded and warmed up, and new calls go to it from now on.
   *
   * @param at when routing switched
   * @param model the model
   * @param alias the alias, or {@code latest}
   * @param from the version calls went to before, or 0 if none
   * @param to the version calls go to now
   */
  record AliasMoved(Instant at, String model, String alias, long from, long to) implements ModelEvent {}

  /**
   * A version was loaded into the runtime and warmed up.
   *
   * @param at when
   * @param version the version
   * @param took how long loading and warming up took
   */
  record VersionLoaded(Instant at, ModelVersion version, Duration took) implements ModelEvent {
    @Override
    public String model() {
      return version.model();
    }
  }

  /**
   * A version could not be loaded or warmed up; what was serving keeps serving, and the load is
   * retried with back-off while routing still wants the version.
   *
   * @param at when
   * @param version the version
   * @param cause why
   */
  record LoadFailed(Instant at, ModelVersion version, MaasException cause) implements ModelEvent {
    @Override
    public String model() {
      return version.model();
    }
  }

  /**
   * A version stopped taking calls (routing moved away, or it was undeployed); it is freed once its
   * queued and running calls are done.
   *
   * @param at when
   * @param version the version
   */
  record VersionRetired(Instant at, ModelVersion version) implements ModelEvent {
    @Override
    public String model() {
      return version.model();
    }
  }

  /**
   * An idle version was unloaded to keep loaded models within the memory budget.
   *
   * @param at when
   * @param version the version
   * @param bytes the footprint it freed
   */
  record VersionEvicted(Instant at, ModelVersion version, long bytes) implements ModelEvent {
    @Override
    public String model() {
      return version.model();
    }
  }
}
