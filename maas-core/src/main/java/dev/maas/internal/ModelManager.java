package dev.maas.internal;

import dev.maas.IntegrityException;
import dev.maas.MaasException;
import dev.maas.ModelLoadException;
import dev.maas.ServiceClosedException;
import dev.maas.StoreException;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import dev.maas.spi.ModelStore;
import dev.maas.spi.Runtime;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.Ticker;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads versions on first use (one load per version however many callers ask at once), hands out
 * leases on them, and retires them. Every blob is verified against its manifest digest before the
 * runtime sees it.
 */
final class ModelManager {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);

  private final ModelStore store;
  private final Runtime runtime;
  private final Function<ModelVersion, Manifest> manifests;
  private final Function<Manifest, BatchingPolicy> policies;
  private final Ticker ticker;
  private final ScheduledExecutorService timers;
  private final ThreadFactory threads;
  private final ConcurrentHashMap<ModelVersion, CompletableFuture<LoadedVersion>> loaded = new ConcurrentHashMap<>();
  private volatile boolean closed;

  ModelManager(ModelStore store, Runtime runtime, Function<ModelVersion, Manifest> manifests,
      Function<Manifest, BatchingPolicy> policies, Ticker ticker, ScheduledExecutorService timers, ThreadFactory threads) {
    this.store = store;
    this.runtime = runtime;
    this.manifests = manifests;
    this.policies = policies;
    this.ticker = ticker;
    this.timers = timers;
    this.threads = threads;
  }

  /**
   * The loaded version, loading it on first use.
   *
   * @throws ServiceClosedException if the manager is closed
   */
  LoadedVersion get(ModelVersion v) {
    for (int attempt = 0; ; attempt++) {
      if (closed) {
        throw new ServiceClosedException("model service is closed");
      }
      CompletableFuture<LoadedVersion> f = loaded.get(v);
      if (f == null) {
        CompletableFuture<LoadedVersion> mine = new CompletableFuture<>();
        f = loaded.putIfAbsent(v, mine);
        if (f == null) {
          f = mine;
          loadInto(v, mine);
        }
      }
      LoadedVersion lv;
      try {
        lv = f.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof MaasException ? (MaasException) e.getCause() : e;
      }
      if (lv.scheduler().accepting()) {
        return lv;
      }
      // Retired between lookup and use (undeploy or close): drop it and look again.
      loaded.remove(v, f);
      if (attempt >= 3) {
        throw new ServiceClosedException(v + " was retired while the call was routed to it");
      }
    }
  }

  /** Forgets a version whose scheduler stopped taking calls, so the next call loads it afresh. */
  void forget(ModelVersion v, LoadedVersion lv) {
    CompletableFuture<LoadedVersion> f = loaded.get(v);
    if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.join() == lv) {
      loaded.remove(v, f);
    }
  }

  /** Every version loaded now. */
  List<LoadedVersion> loadedVersions() {
    List<LoadedVersion> out = new ArrayList<>();
    for (CompletableFuture<LoadedVersion> f : loaded.values()) {
      if (f.isDone() && !f.isCompletedExceptionally()) {
        out.add(f.join());
      }
    }
    return out;
  }

  private void loadInto(ModelVersion v, CompletableFuture<LoadedVersion> target) {
    try {
      LoadedVersion lv = load(v);
      target.complete(lv);
      if (closed) {
        lv.shutdown();
      }
    } catch (Throwable t) {
      // A failed load is not cached: the next call tries again.
      loaded.remove(v, target);
      target.completeExceptionally(t);
    }
  }

  private LoadedVersion load(ModelVersion v) {
    long start = System.nanoTime();
    Manifest m = manifests.apply(v);
    BlobRef blob = m.modelBlob().orElseThrow(
        () -> new ModelLoadException("manifest of " + v + " names no model blob"));
    ModelSource source = fetchVerified(v, blob);
    LoadedModel model;
    try {
      model = runtime.load(source);
    } catch (MaasException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelLoadException("cannot load " + v + ": " + e.getMessage(), e);
    }
    Scheduler scheduler;
    try {
      scheduler = new Scheduler(v, model, policies.apply(m), ticker, timers, threads);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    LOG.info("loaded {} ({} bytes) in {} ms, batching {}", v, blob.size(), (System.nanoTime() - start) / 1_000_000,
        scheduler.batching() ? "up to " + scheduler.policy().maxBatchSize() + " rows" : "off");
    return new LoadedVersion(v, m, model, scheduler);
  }

  /** The blob as a source the runtime can load, after its digest and size were checked. */
  private ModelSource fetchVerified(ModelVersion v, BlobRef blob) {
    Optional<Path> local = store.localBlobPath(blob.sha256());
    if (local.isPresent()) {
      String actual = Digests.sha256(local.get());
      checkDigest(v, blob, actual);
      return ModelSource.of(local.get());
    }
    if (blob.size() > Integer.MAX_VALUE - 8) {
      throw new ModelLoadException(v + " is " + blob.size() + " bytes; models over 2 GiB must come from a local store");
    }
    MessageDigest md = Digests.sha256();
    ByteArrayOutputStream buf = new ByteArrayOutputStream((int) blob.size());
    try (InputStream in = new DigestInputStream(store.openBlob(blob.sha256()), md)) {
      in.transferTo(buf);
    } catch (IOException e) {
      throw new StoreException("cannot read blob " + blob.sha256() + " of " + v + ": " + e.getMessage(), e);
    }
    checkDigest(v, blob, Digests.hex(md.digest()));
    if (buf.size() != blob.size()) {
      throw new IntegrityException(v + ": blob is " + buf.size() + " bytes, manifest says " + blob.size());
    }
    return ModelSource.of(buf.toByteArray(), blob.fileName());
  }

  private static void checkDigest(ModelVersion v, BlobRef blob, String actual) {
    if (!actual.equals(blob.sha256())) {
      throw new IntegrityException("blob of " + v + " does not match its manifest: expected sha256 "
          + blob.sha256() + ", found " + actual + "; the version is not loaded");
    }
  }

  /** Whether the version is loaded now. */
  boolean isLoaded(ModelVersion v) {
    CompletableFuture<LoadedVersion> f = loaded.get(v);
    return f != null && f.isDone() && !f.isCompletedExceptionally();
  }

  /** Stops routing new calls to the version; it is freed when its last call returns. */
  void retire(ModelVersion v) {
    CompletableFuture<LoadedVersion> f = loaded.remove(v);
    if (f != null) {
      // A load still in progress is retired as soon as it completes.
      f.thenAccept(LoadedVersion::retire);
    }
  }

  /** Fails what is queued everywhere and waits up to {@code millis} for running calls to return. */
  void close(long millis) {
    closed = true;
    List<LoadedVersion> retiring = new ArrayList<>();
    for (ModelVersion v : List.copyOf(loaded.keySet())) {
      CompletableFuture<LoadedVersion> f = loaded.remove(v);
      if (f == null) {
        continue;
      }
      if (f.isDone() && !f.isCompletedExceptionally()) {
        LoadedVersion lv = f.join();
        lv.shutdown();
        retiring.add(lv);
      } else {
        f.thenAccept(LoadedVersion::shutdown);
      }
    }
    long deadline = System.nanoTime() + millis * 1_000_000;
    for (LoadedVersion lv : retiring) {
      try {
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        if (!lv.awaitClosed(left)) {
          LOG.warn("{} still has calls in flight after {} ms; it will be freed when they return", lv.version(), millis);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
