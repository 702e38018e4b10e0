package dev.maas.internal;

import dev.maas.CapacityException;
import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.IntegrityException;
import dev.maas.MaasException;
import dev.maas.ModelLoadException;
import dev.maas.ServiceClosedException;
import dev.maas.StoreException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.Ticker;
import dev.maas.event.ModelEvent;
import dev.maas.security.KeyProvider;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.LocalBlob;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads versions (one load per version however many callers ask at once), verifies their blobs,
 * warms them up, keeps them within the memory budget, and retires them.
 *
 * <p>The budget is enforced here rather than by a size-bounded cache because a load must be
 * <i>refused</i> when only busy or pinned versions could make room, and a busy version must never
 * be evicted; idle, unpinned versions go least-recently-used first.
 */
final class ModelManager {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);

  /** Where loads come from and what they are weighed against. */
  record Settings(ModelStore store, Runtime runtime, Function<ModelVersion, Manifest> manifests,
      Function<Manifest, BatchingPolicy> policies, Ticker ticker, ScheduledExecutorService timers,
      ThreadFactory threads, long budgetBytes, Events events, Clock clock, KeyProvider keys) {
    /** Settings without a key provider: encrypted versions fail to load. */
    Settings(ModelStore store, Runtime runtime, Function<ModelVersion, Manifest> manifests,
        Function<Manifest, BatchingPolicy> policies, Ticker ticker, ScheduledExecutorService timers,
        ThreadFactory threads, long budgetBytes, Events events, Clock clock) {
      this(store, runtime, manifests, policies, ticker, timers, threads, budgetBytes, events, clock, null);
    }
  }

  private final Settings s;
  private final ConcurrentHashMap<ModelVersion, CompletableFuture<LoadedVersion>> loaded = new ConcurrentHashMap<>();
  private final Object budgetLock = new Object();
  private long usedBytes; // guarded by budgetLock: footprints of loaded versions plus reservations
  private volatile Predicate<ModelVersion> pinned = v -> false;
  private volatile boolean closed;

  ModelManager(Settings settings) {
    this.s = settings;
  }

  void pinned(Predicate<ModelVersion> p) {
    this.pinned = p;
  }

  /**
   * The loaded version, loading it on first use.
   *
   * @throws ServiceClosedException if the manager is closed
   * @throws CapacityException if it does not fit the memory budget
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
        lv.touch(s.ticker().read());
        return lv;
      }
      // Retired between lookup and use (undeploy, eviction or close): drop it and look again.
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
    long reserved = 0;
    long start = System.nanoTime();
    try {
      Manifest m = s.manifests().apply(v);
      reserved = reserve(v, Math.max(1, m.totalBytes()));
      LoadedVersion lv = load(v, m);
      long actual = Math.max(reserved, lv.model().footprintBytes());
      synchronized (budgetLock) {
        usedBytes += actual - reserved;
      }
      lv.footprint(actual);
      target.complete(lv);
      s.events().emit(new ModelEvent.VersionLoaded(s.clock().instant(), v,
          Duration.ofNanos(System.nanoTime() - start)));
      if (closed) {
        shutdown(lv);
      }
    } catch (Throwable t) {
      if (reserved > 0) {
        synchronized (budgetLock) {
          usedBytes -= reserved;
        }
      }
      // A failed load is not cached: the next call tries again.
      loaded.remove(v, target);
      target.completeExceptionally(t);
      MaasException cause = t instanceof MaasException ? (MaasException) t
          : new ModelLoadException("cannot load " + v + ": " + t, t);
      LOG.warn("loading {} failed: {}", v, cause.getMessage());
      s.events().emit(new ModelEvent.LoadFailed(s.clock().instant(), v, cause));
    }
  }

  /**
   * Reserves {@code bytes} of the budget, evicting idle unpinned versions least recently used first.
   *
   * @throws CapacityException if that cannot make room
   */
  private long reserve(ModelVersion v, long bytes) {
    List<LoadedVersion> evicted = new ArrayList<>();
    synchronized (budgetLock) {
      while (usedBytes + bytes > s.budgetBytes()) {
        LoadedVersion victim = null;
        for (LoadedVersion lv : loadedVersions()) {
          if (!pinned.test(lv.version()) && lv.scheduler().inFlight() == 0 && lv.scheduler().accepting()
              && (victim == null || lv.lastUsed() < victim.lastUsed())) {
            victim = lv;
          }
        }
        if (victim == null) {
          throw new CapacityException("cannot load " + v + " (" + bytes + " bytes): the memory budget of "
              + s.budgetBytes() + " bytes is held by " + usedBytes + " bytes of busy or pinned versions");
        }
        loaded.remove(victim.version());
        victim.retire();
        usedBytes -= victim.footprint();
        evicted.add(victim);
      }
      usedBytes += bytes;
    }
    for (LoadedVersion e : evicted) {
      LOG.info("evicted idle {} ({} bytes) to load {}", e.version(), e.footprint(), v);
      s.events().emit(new ModelEvent.VersionEvicted(s.clock().instant(), e.version(), e.footprint()));
    }
    return bytes;
  }

  private LoadedVersion load(ModelVersion v, Manifest m) {
    long start = System.nanoTime();
    BlobRef blob = m.modelBlob().orElseThrow(
        () -> new ModelLoadException("manifest of " + v + " names no model blob"));
    ModelSource source = fetchVerified(v, blob);
    LoadedModel model;
    try {
      model = s.runtime().load(source);
    } catch (MaasException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelLoadException("cannot load " + v + ": " + e.getMessage(), e);
    }
    if (!m.warmup().isEmpty()) {
      try {
        Map<String, Tensor> sample = new LinkedHashMap<>();
        m.warmup().forEach((name, data) -> sample.put(name, data.toTensor()));
        model.run(sample);
      } catch (RuntimeException e) {
        model.close();
        throw new ModelLoadException("warm-up of " + v + " with its deployer's sample failed: " + e.getMessage(), e);
      }
    } else {
      try {
        warmUp(v, model);
      } catch (RuntimeException e) {
        // Inputs made up from the signature can be meaningless to the model (a shape tensor of
        // zeros, a zero step): such a failure says nothing about the model, so it does not fail the load.
        LOG.debug("generated warm-up of {} failed ({}); serving without warm-up", v, e.getMessage());
      }
    }
    Scheduler scheduler;
    try {
      scheduler = new Scheduler(v, model, s.policies().apply(m), s.ticker(), s.timers(), s.threads());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    LOG.info("loaded {} ({} bytes) in {} ms, batching {}", v, blob.size(), (System.nanoTime() - start) / 1_000_000,
        scheduler.batching() ? "up to " + scheduler.policy().maxBatchSize() + " rows" : "off");
    return new LoadedVersion(v, m, model, scheduler);
  }

  /**
   * Runs the model once before it takes traffic, on inputs generated from its signature (dynamic
   * dimensions set to 1), so the first real call does not pay for lazy initialization.
   */
  static void warmUp(ModelVersion v, LoadedModel model) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (TensorSpec spec : model.signature().inputs()) {
      if (!spec.hasShape()) {
        LOG.debug("no warm-up for {}: input '{}' has no declared shape", v, spec.name());
        return;
      }
      long[] shape = new long[spec.shape().size()];
      for (int i = 0; i < shape.length; i++) {
        Dimension d = spec.shape().get(i);
        shape[i] = d.isFixed() ? d.size() : 1;
      }
      inputs.put(spec.name(), spec.dtype() == DType.STRING || Tensor.elementCount(shape) < 1 << 20
          ? Tensor.zeros(spec.dtype(), shape) : null);
      if (inputs.get(spec.name()) == null) {
        return; // a huge fixed input: not worth a warm-up
      }
    }
    model.run(inputs);
  }

  /**
   * The blob as a source the runtime can load, after its digest and size were checked. A blob this
   * method hashes reaches the runtime as the very bytes that were hashed: handing it the store's
   * file after hashing it would let anyone able to replace that file between the check and the
   * runtime's read slip in other bytes (only a blob too large for a byte array is handed over as
   * the hashed file). A file the store vouches for ({@link LocalBlob#verified()}: the cache, which
   * hashed it when it was written and checks that it has not changed since) is not hashed again and
   * goes to the runtime as the file, once its size is checked: reading it into the heap first would
   * check nothing more (the store's check came before that read too) and would cost a transient
   * copy of the model, up to about three times its size, in the heap. Encrypted blobs are always decrypted in
   * memory.
   */
  private ModelSource fetchVerified(ModelVersion v, BlobRef blob) {
    Optional<LocalBlob> localBlob = s.store().localBlob(blob.sha256());
    Optional<Path> local = localBlob.map(LocalBlob::path);
    boolean vouched = localBlob.isPresent() && localBlob.get().verified();
    if (local.isPresent() && blob.encryption() == null && (vouched || blob.size() > MAX_IN_MEMORY_BYTES)) {
      long actualSize;
      try {
        actualSize = java.nio.file.Files.size(local.get());
      } catch (IOException e) {
        throw new StoreException("cannot read blob " + blob.sha256() + " of " + v + ": " + e.getMessage(), e);
      }
      if (actualSize != blob.size()) {
        throw new IntegrityException(v + ": blob is " + actualSize + " bytes, manifest says " + blob.size());
      }
      if (!vouched) {
        checkDigest(v, blob, Digests.sha256(local.get()));
      }
      return ModelSource.of(local.get(), blob.fileName());
    }
    if (blob.size() > MAX_IN_MEMORY_BYTES) {
      throw new ModelLoadException(v + " is " + blob.size() + " bytes; models over 2 GiB must come unencrypted"
          + " from a local store");
    }
    MessageDigest md = vouched ? null : Digests.sha256();
    // The recorded size sizes the buffer only up to a point: a tampered manifest must not make us allocate gigabytes.
    ByteArrayOutputStream buf = new ByteArrayOutputStream((int) Math.min(blob.size(), 64 << 20));
    InputStream source;
    try {
      source = local.isPresent() ? java.nio.file.Files.newInputStream(local.get()) : s.store().openBlob(blob.sha256());
    } catch (IOException e) {
      throw new StoreException("cannot read blob " + blob.sha256() + " of " + v + ": " + e.getMessage(), e);
    }
    try (InputStream in = md == null ? source : new DigestInputStream(source, md)) {
      // Read at most one byte past the recorded size: a blob grown by a tamperer cannot exhaust memory.
      in.transferTo(new LimitedOutputStream(buf, blob.size() + 1));
    } catch (IOException e) {
      throw new StoreException("cannot read blob " + blob.sha256() + " of " + v + ": " + e.getMessage(), e);
    } catch (LimitedOutputStream.Overflow e) {
      throw new IntegrityException(v + ": blob is larger than the " + blob.size() + " bytes its manifest says");
    }
    if (md != null) {
      checkDigest(v, blob, Digests.hex(md.digest()));
    }
    if (buf.size() != blob.size()) {
      throw new IntegrityException(v + ": blob is " + buf.size() + " bytes, manifest says " + blob.size());
    }
    byte[] bytes = buf.toByteArray();
    if (blob.encryption() != null) {
      // Decrypted in memory and loaded from there: the plaintext never touches a disk.
      bytes = BlobCipher.decrypt(v, bytes, blob.encryption(), s.keys());
    }
    return ModelSource.of(bytes, blob.fileName());
  }

  /** Blobs up to this size are read into memory, checked, and loaded from there. */
  private static final long MAX_IN_MEMORY_BYTES = Integer.MAX_VALUE - 8;

  /** Passes bytes through until a limit, then refuses more. */
  private static final class LimitedOutputStream extends java.io.OutputStream {
    static final class Overflow extends RuntimeException {
      private static final long serialVersionUID = 1L;

      Overflow() {
        super(null, null, false, false);
      }
    }

    private final java.io.OutputStream out;
    private long left;

    LimitedOutputStream(java.io.OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > left) {
        throw new Overflow();
      }
      left -= len;
      out.write(b, off, len);
    }
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

  /**
   * Stops routing new calls to the version; it is freed when its queued and running calls are done.
   *
   * @return whether it was loaded (or loading)
   */
  boolean retire(ModelVersion v) {
    CompletableFuture<LoadedVersion> f = loaded.remove(v);
    if (f == null) {
      return false;
    }
    // A load still in progress is retired as soon as it completes.
    f.thenAccept(lv -> {
      lv.retire();
      synchronized (budgetLock) {
        usedBytes -= lv.footprint();
      }
    });
    return true;
  }

  private void shutdown(LoadedVersion lv) {
    lv.shutdown();
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
        shutdown(lv);
        retiring.add(lv);
      } else {
        f.thenAccept(this::shutdown);
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
