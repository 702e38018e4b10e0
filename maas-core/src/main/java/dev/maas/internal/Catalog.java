package dev.maas.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.maas.ModelNotFoundException;
import dev.maas.VersionNotFoundException;
import dev.maas.security.InputLimits;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory view of the store: per model, its versions and where its aliases point, as last
 * read. Models are read on first use and re-read by {@link #pollAll()} (on the refresh interval and
 * on {@code refresh()}) or at once after a change made through this service; every difference is
 * reported to the change listener, which routes and emits events. Manifests are immutable and
 * cached separately.
 */
final class Catalog {
  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

  /** One model's versions (ascending) and aliases (name to version), as read from the store. */
  record Entry(List<Long> versions, Map<String, Long> aliases) {
    long latest() {
      return versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
    }
  }

  /** Told of every difference between two reads of a model (old is null on the first read). */
  interface ChangeListener {
    void changed(String model, Entry old, Entry now);
  }

  private final ModelStore store;
  private final InputLimits limits;
  private final Map<String, PublicKey> trustedKeys; // empty: manifests need no signature
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Cache<ModelVersion, Manifest> manifests = Caffeine.newBuilder().maximumSize(10_000).build();
  private volatile ChangeListener listener = (m, o, n) -> { };

  Catalog(ModelStore store) {
    this(store, InputLimits.defaults(), Map.of());
  }

  /**
   * A catalog that refuses documents over {@code limits} and, when {@code trustedKeys} is not
   * empty, manifests not signed by one of them.
   */
  Catalog(ModelStore store, InputLimits limits, Map<String, PublicKey> trustedKeys) {
    this.store = store;
    this.limits = limits;
    this.trustedKeys = Map.copyOf(trustedKeys);
  }

  void listener(ChangeListener l) {
    this.listener = l;
  }

  private Entry read(String model) {
    List<Long> versions = List.copyOf(store.versions(model));
    Map<String, Long> aliases = new TreeMap<>();
    for (String name : store.aliases(model)) {
      readAlias(model, name).ifPresent(a -> aliases.put(name, a.version()));
    }
    return new Entry(versions, Map.copyOf(aliases));
  }

  Optional<Alias> readAlias(String model, String alias) {
    Optional<StoredDocument> doc = store.readAlias(model, alias);
    return doc.map(d -> parseAlias(d.content(), model, alias));
  }

  /** Parses an alias record after checking it against the limits. */
  Alias parseAlias(byte[] json, String model, String alias) {
    Limits.checkDocument(json, "alias record " + model + "@" + alias, limits);
    return Json.readAlias(json, model, alias);
  }

  /** The model as last read; read now if it never was. */
  Entry entry(String model) {
    Entry e = entries.get(model);
    return e != null ? e : reload(model);
  }

  /** Reads the model from the store now and reports any difference. */
  Entry reload(String model) {
    Entry fresh = read(model);
    Entry old = entries.put(model, fresh);
    if (!fresh.equals(old)) {
      listener.changed(model, old, fresh);
    }
    return fresh;
  }

  /** Re-reads every model seen so far; a model that cannot be read keeps its last view. */
  void pollAll() {
    for (String model : List.copyOf(entries.keySet())) {
      try {
        reload(model);
      } catch (RuntimeException e) {
        LOG.warn("cannot refresh model '{}' from {}: {}", model, store.describe(), e.getMessage());
      }
    }
  }

  /**
   * What the store says {@code slot} (an alias, or {@link Router#LATEST}) points at: 0 if the model
   * or alias does not exist.
   */
  long desired(Entry e, String slot) {
    if (Router.LATEST.equals(slot)) {
      return e.latest();
    }
    Long v = e.aliases().get(slot);
    return v == null ? 0 : v;
  }

  /**
   * The version a slot points at in the store, reading the model again if the cached view does not
   * have it.
   *
   * @throws ModelNotFoundException if the model has no versions
   * @throws VersionNotFoundException if the alias does not exist
   */
  ModelVersion requireSlot(String model, String slot) {
    Entry e = entry(model);
    long v = desired(e, slot);
    if (v == 0) {
      e = reload(model);
      v = desired(e, slot);
    }
    if (v == 0) {
      if (e.versions().isEmpty()) {
        throw modelNotFound(model);
      }
      throw new VersionNotFoundException("model '" + model + "' has no alias '" + slot + "'; aliases are "
          + e.aliases().keySet());
    }
    return new ModelVersion(model, v);
  }

  /**
   * An exact version, checked to exist.
   *
   * @throws ModelNotFoundException if the model has no versions
   * @throws VersionNotFoundException if the version does not exist
   */
  ModelVersion requireVersion(String model, long v) {
    Entry e = entry(model);
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

  /**
   * The manifest of a version, read once and cached (manifests are immutable): checked against the
   * limits, then, when the service trusts keys, verified against them, and only then parsed.
   *
   * @throws VersionNotFoundException if the store has no manifest for it
   * @throws dev.maas.IntegrityException if it is malformed, describes another version, or fails verification
   * @throws dev.maas.LimitExceededException if it is too large or too deeply nested
   */
  Manifest manifest(ModelVersion v) {
    Manifest m = manifests.getIfPresent(v);
    if (m != null) {
      return m;
    }
    byte[] json = store.readManifest(v.model(), v.version()).orElseThrow(
        () -> new VersionNotFoundException("no manifest for " + v + " in " + store.describe()));
    m = parseManifest(json, v, limits, trustedKeys);
    manifests.put(v, m);
    return m;
  }

  /**
   * Reads the manifest document stored for {@code v}: checked against the limits, then verified
   * against the trusted keys (when there are any), and only then parsed.
   */
  static Manifest parseManifest(byte[] json, ModelVersion v, InputLimits limits, Map<String, PublicKey> trustedKeys) {
    Limits.checkDocument(json, "manifest of " + v, limits);
    if (!trustedKeys.isEmpty()) {
      ManifestSigning.verify(json, v, trustedKeys);
    }
    return Json.readManifest(json, v);
  }

  void forgetManifest(ModelVersion v) {
    manifests.invalidate(v);
  }

  ModelNotFoundException modelNotFound(String model) {
    return new ModelNotFoundException("no model '" + model + "' in " + store.describe());
  }

  private static String summary(List<Long> versions) {
    if (versions.size() <= 10) {
      return versions.toString();
    }
    return "[" + versions.get(0) + " .. " + versions.get(versions.size() - 1) + "] (" + versions.size() + " versions)";
  }
}
