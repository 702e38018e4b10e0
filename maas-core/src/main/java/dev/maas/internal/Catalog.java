package dev.maas.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.maas.MaasException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.VersionNotFoundException;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The in-memory view of the store that routing reads: per model, its versions and where its
 * aliases point. Entries are refreshed in the background once older than the refresh interval (a
 * request never waits for the store on a warm entry) and dropped at once on local changes.
 * Manifests are immutable and cached separately.
 */
final class Catalog {
  /** One model's versions (ascending) and aliases (name to version). */
  record Entry(List<Long> versions, Map<String, Long> aliases) {
    long latest() {
      return versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
    }
  }

  private final ModelStore store;
  private final LoadingCache<String, Entry> entries;
  private final Cache<ModelVersion, Manifest> manifests;

  Catalog(ModelStore store, Duration refreshInterval, Executor executor) {
    this.store = store;
    this.entries = Caffeine.newBuilder()
        .refreshAfterWrite(refreshInterval)
        .maximumSize(100_000)
        .executor(executor)
        .build(this::load);
    this.manifests = Caffeine.newBuilder().maximumSize(10_000).build();
  }

  private Entry load(String model) {
    List<Long> versions = List.copyOf(store.versions(model));
    Map<String, Long> aliases = new TreeMap<>();
    for (String name : store.aliases(model)) {
      readAlias(model, name).ifPresent(a -> aliases.put(name, a.version()));
    }
    return new Entry(versions, Map.copyOf(aliases));
  }

  Optional<Alias> readAlias(String model, String alias) {
    Optional<StoredDocument> doc = store.readAlias(model, alias);
    return doc.map(d -> Json.readAlias(d.content(), model, alias));
  }

  Entry entry(String model) {
    try {
      return entries.get(model);
    } catch (CompletionException e) {
      throw unwrap(e);
    }
  }

  /** Forgets what is cached of {@code model}, so the next read goes to the store. */
  void invalidate(String model) {
    entries.invalidate(model);
  }

  /** Forgets everything cached (manifests stay: they never change). */
  void invalidateAll() {
    entries.invalidateAll();
  }

  /**
   * The version {@code ref} routes to now.
   *
   * @throws ModelNotFoundException if the model has no versions
   * @throws VersionNotFoundException if the version or alias does not exist
   */
  ModelVersion resolve(ModelRef ref) {
    String model = ref.name();
    Entry e = entry(model);
    if (ref.isLatest()) {
      if (e.versions().isEmpty()) {
        e = reload(model);
        if (e.versions().isEmpty()) {
          throw modelNotFound(model);
        }
      }
      return new ModelVersion(model, e.latest());
    }
    if (ref.version().isPresent()) {
      long v = ref.version().getAsLong();
      if (!e.versions().contains(v)) {
        e = reload(model);
        if (!e.versions().contains(v)) {
          throw e.versions().isEmpty()
              ? modelNotFound(model)
              : new VersionNotFoundException("model '" + model + "' has no version " + v
                  + "; versions are " + summary(e.versions()));
        }
      }
      return new ModelVersion(model, v);
    }
    String alias = ref.alias().orElseThrow();
    Long v = e.aliases().get(alias);
    if (v == null) {
      e = reload(model);
      v = e.aliases().get(alias);
      if (v == null) {
        throw e.versions().isEmpty()
            ? modelNotFound(model)
            : new VersionNotFoundException("model '" + model + "' has no alias '" + alias
                + "'; aliases are " + e.aliases().keySet());
      }
    }
    return new ModelVersion(model, v);
  }

  /**
   * The manifest of a version, read once and cached (manifests are immutable).
   *
   * @throws VersionNotFoundException if the store has no manifest for it
   */
  Manifest manifest(ModelVersion v) {
    Manifest m = manifests.getIfPresent(v);
    if (m != null) {
      return m;
    }
    byte[] json = store.readManifest(v.model(), v.version()).orElseThrow(
        () -> new VersionNotFoundException("no manifest for " + v + " in " + store.describe()));
    m = Json.readManifest(json, v);
    manifests.put(v, m);
    return m;
  }

  void forgetManifest(ModelVersion v) {
    manifests.invalidate(v);
  }

  private Entry reload(String model) {
    entries.invalidate(model);
    return entry(model);
  }

  private ModelNotFoundException modelNotFound(String model) {
    return new ModelNotFoundException("no model '" + model + "' in " + store.describe());
  }

  private static String summary(List<Long> versions) {
    if (versions.size() <= 10) {
      return versions.toString();
    }
    return "[" + versions.get(0) + " .. " + versions.get(versions.size() - 1) + "] (" + versions.size() + " versions)";
  }

  private static RuntimeException unwrap(CompletionException e) {
    Throwable c = e.getCause();
    if (c instanceof MaasException) {
      return (MaasException) c;
    }
    if (c instanceof RuntimeException) {
      return (RuntimeException) c;
    }
    return e;
  }
}
