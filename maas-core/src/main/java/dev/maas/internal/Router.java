package dev.maas.internal;

import dev.maas.MaasException;
import dev.maas.ModelRef;
import dev.maas.event.ModelEvent;
import dev.maas.version.ModelVersion;
import dev.maas.version.VersionPolicy;
import dev.maas.version.VersionResolver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where calls go. Each routed slot — a model's "latest", or one of its aliases — has an
 * <i>effective</i> version, the one calls use, and a <i>desired</i> version, what the store says.
 * When they differ, the desired version is loaded and warmed up in the background and only then does
 * the slot switch, atomically; calls already queued on the old version finish there, and the old
 * version is retired (freed after its last call) unless something else still routes to it or the
 * version policy pins it. A load that fails leaves the old version serving and is retried with
 * back-off while the store still wants it.
 */
final class Router {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  /** The slot of "the latest version". */
  static final String LATEST = "latest";
  private static final long MAX_BACKOFF_MILLIS = 60_000;

  private final Catalog catalog;
  private final ModelManager manager;
  private final Events events;
  private final ScheduledExecutorService swapThreads;
  private final Function<String, VersionPolicy> policies;
  private final Clock clock;
  /** Effective version per slot, per model (ModelVersion values: no allocation per call). */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, ModelVersion>> effective = new ConcurrentHashMap<>();
  /** Swaps in progress per model/slot, with the version they go to. */
  private final ConcurrentHashMap<String, Swap> swaps = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ModelVersion, Boolean> pinnedVersions = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Swap(ModelVersion to, CompletableFuture<Void> done) {}

  Router(Catalog catalog, ModelManager manager, Events events, ScheduledExecutorService swapThreads,
      Function<String, VersionPolicy> policies, Clock clock) {
    this.catalog = catalog;
    this.manager = manager;
    this.events = events;
    this.swapThreads = swapThreads;
    this.policies = policies;
    this.clock = clock;
    catalog.listener(this::changed);
    manager.pinned(this::isPinned);
  }

  boolean isPinned(ModelVersion v) {
    return pinnedVersions.containsKey(v);
  }

  // ------------------------------------------------------------------ resolving

  /** The version a call with this reference and request key goes to now. */
  ModelVersion resolve(ModelRef ref, String requestKey) {
    VersionResolver r = ref.resolver();
    if (r instanceof VersionResolver.Shadowed) {
      r = ((VersionResolver.Shadowed) r).primary();
    }
    return resolve(ref.name(), r, requestKey);
  }

  ModelVersion resolve(String model, VersionResolver r, String requestKey) {
    if (r instanceof VersionResolver.Exact) {
      return catalog.requireVersion(model, ((VersionResolver.Exact) r).version());
    }
    if (r instanceof VersionResolver.Alias) {
      return slot(model, ((VersionResolver.Alias) r).name());
    }
    if (r instanceof VersionResolver.Split) {
      VersionResolver.Split split = (VersionResolver.Split) r;
      int total = split.totalWeight();
      int point = requestKey == null ? ThreadLocalRandom.current().nextInt(total)
          : Math.floorMod(stableHash(requestKey), total);
      return resolve(model, split.pick(point), requestKey);
    }
    if (r instanceof VersionResolver.Shadowed) {
      return resolve(model, ((VersionResolver.Shadowed) r).primary(), requestKey);
    }
    return slot(model, LATEST);
  }

  /** A hash of the key that is the same in every JVM (String.hashCode is, but mixes poorly). */
  static int stableHash(String key) {
    long h = 0xcbf29ce484222325L; // FNV-1a, then a final mix
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) (h & 0x7fffffff);
  }

  private ModelVersion slot(String model, String slot) {
    ConcurrentHashMap<String, ModelVersion> slots = effective.get(model);
    if (slots == null) {
      slots = effective.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
    }
    ModelVersion v = slots.get(slot);
    if (v != null) {
      return v;
    }
    // First call through this slot: nothing serves it yet, so the caller loads the store's choice.
    ModelVersion desired = catalog.requireSlot(model, slot);
    slots.putIfAbsent(slot, desired);
    return slots.get(slot);
  }

  // ------------------------------------------------------------------ reacting to the store

  /** Told by the catalog of every difference between two reads of a model. */
  private void changed(String model, Catalog.Entry old, Catalog.Entry now) {
    if (old != null) {
      for (long v : now.versions()) {
        if (!old.versions().contains(v)) {
          events.emit(new ModelEvent.VersionPublished(clock.instant(), new ModelVersion(model, v)));
        }
      }
      for (long v : old.versions()) {
        if (!now.versions().contains(v)) {
          // undeployed (here or elsewhere): stop serving it
          if (manager.retire(new ModelVersion(model, v))) {
            events.emit(new ModelEvent.VersionRetired(clock.instant(), new ModelVersion(model, v)));
          }
        }
      }
    }
    updatePins(model, now);
    Map<String, ModelVersion> slots = effective.get(model);
    if (slots == null) {
      return;
    }
    for (String slot : Set.copyOf(slots.keySet())) {
      long desired = catalog.desired(now, slot);
      ModelVersion current = slots.get(slot);
      if (desired == 0) {
        slots.remove(slot); // alias deleted or model emptied: calls through it now fail clearly
        if (current != null) {
          retireIfUnused(current);
        }
      } else if (current == null || current.version() != desired) {
        swap(model, slot, desired);
      }
    }
  }

  private void updatePins(String model, Catalog.Entry now) {
    VersionPolicy policy = policies.apply(model);
    Set<Long> pins = policy.pinned(now.versions(), now.aliases().values());
    pinnedVersions.keySet().removeIf(v -> v.model().equals(model) && !pins.contains(v.version()));
    for (long v : pins) {
      ModelVersion mv = new ModelVersion(model, v);
      if (pinnedVersions.putIfAbsent(mv, Boolean.TRUE) == null) {
        // a pinned version is loaded ahead of calls
        swapThreads.execute(() -> {
          try {
            if (!closed) {
              manager.get(mv);
            }
          } catch (MaasException e) {
            LOG.warn("cannot preload pinned {}: {}", mv, e.getMessage());
          }
        });
      }
    }
  }

  /**
   * Switches a slot to {@code to} once that version is loaded and warmed up; the future completes
   * when the slot has switched, or exceptionally with the first load failure (retries go on).
   */
  CompletableFuture<Void> swap(String model, String slot, long to) {
    String key = key(model, slot);
    Swap running = swaps.get(key);
    if (running != null && running.to().version() == to && !running.done().isDone()) {
      return running.done();
    }
    Swap mine = new Swap(new ModelVersion(model, to), new CompletableFuture<>());
    swaps.put(key, mine);
    attempt(slot, mine, 1000);
    return mine.done();
  }

  private void attempt(String slot, Swap swap, long backoffMillis) {
    ModelVersion target = swap.to();
    String model = target.model();
    long to = target.version();
    swapThreads.execute(() -> {
      if (closed || swaps.get(key(model, slot)) != swap) {
        swap.done().complete(null); // superseded
        return;
      }
      try {
        manager.get(target); // loads and warms up if needed
      } catch (MaasException e) {
        swap.done().completeExceptionally(e);
        long next = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        LOG.warn("{} of '{}' stays where it is: {} failed to load ({}); retrying in {} ms",
            slot, model, target, e.getMessage(), backoffMillis);
        swapThreads.schedule(() -> {
          Catalog.Entry e2 = catalog.entry(model);
          if (catalog.desired(e2, slot) == to && swaps.get(key(model, slot)) == swap) {
            attempt(slot, swap, next);
          }
        }, backoffMillis, TimeUnit.MILLISECONDS);
        return;
      }
      Map<String, ModelVersion> slots = effective.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
      ModelVersion from = slots.put(slot, target);
      swaps.remove(key(model, slot), swap);
      if (from == null || from.version() != to) {
        LOG.info("{} of '{}' now routes to {} (was {})", slot, model, target, from);
        events.emit(new ModelEvent.AliasMoved(clock.instant(), model, slot, from == null ? 0 : from.version(), to));
        if (from != null) {
          retireIfUnused(from);
        }
      }
      swap.done().complete(null);
    });
  }

  /** The key of a slot's swap in {@link #swaps}. */
  private static String key(String model, String slot) {
    return model + "\u0000" + slot;
  }

  /** Retires a version that no slot routes to and the policy does not pin. */
  private void retireIfUnused(ModelVersion v) {
    Map<String, ModelVersion> slots = effective.get(v.model());
    if (slots != null && slots.containsValue(v)) {
      return;
    }
    for (Swap s : swaps.values()) {
      if (s.to().equals(v)) { // a swap of another model to the same number does not hold v
        return;
      }
    }
    if (isPinned(v)) {
      return;
    }
    if (manager.retire(v)) {
      events.emit(new ModelEvent.VersionRetired(clock.instant(), v));
    }
  }

  /** The swap in progress for a slot, or a completed future. */
  CompletableFuture<Void> pending(String model, String slot) {
    Swap s = swaps.get(key(model, slot));
    return s == null ? CompletableFuture.completedFuture(null) : s.done();
  }

  /** Every swap in progress. */
  CompletableFuture<Void> allPending() {
    return CompletableFuture.allOf(swaps.values().stream().map(Swap::done).toArray(CompletableFuture[]::new));
  }

  void close() {
    closed = true;
  }
}
