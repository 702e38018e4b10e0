package dev.maas.internal;

import dev.maas.CallOptions;
import dev.maas.ConflictException;
import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ModelSignature;
import dev.maas.Names;
import dev.maas.ServiceClosedException;
import dev.maas.VersionNotFoundException;
import dev.maas.security.Principal;
import dev.maas.spi.ModelSource;
import dev.maas.spi.ModelStore;
import dev.maas.spi.Runtime;
import dev.maas.spi.StoredDocument;
import dev.maas.version.Alias;
import dev.maas.version.AliasChange;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import dev.maas.batch.BatchingPolicy;
import dev.maas.event.ModelEvent;
import dev.maas.event.ModelEventListener;
import dev.maas.version.ShadowStats;
import dev.maas.version.TensorData;
import dev.maas.version.VersionPolicy;
import dev.maas.version.VersionResolver;
import dev.maas.batch.Job;
import dev.maas.batch.JobOptions;
import dev.maas.batch.SchedulerStats;
import dev.maas.batch.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link ModelService} behind {@link ModelService#builder()}. */
public final class DefaultModelService implements ModelService {
  private static final Logger LOG = LoggerFactory.getLogger(ModelService.class);
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.maas.audit");

  /** Alias history kept per alias; older moves are dropped. */
  static final int MAX_ALIAS_HISTORY = 1000;
  private static final int MAX_CAS_ATTEMPTS = 100;
  private static final long CLOSE_WAIT_MILLIS = 30_000;
  private static final long SWAP_WAIT_SECONDS = 120;

  private enum State { RUNNING, CLOSED }

  private final ModelStore store;
  private final Runtime runtime;
  private final boolean ownsRuntime;
  private final Clock clock;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final Principal defaultPrincipal;
  private final Catalog catalog;
  private final ModelManager manager;
  private final Ticker ticker;
  private final BatchingPolicy defaultBatching;
  private final Map<String, BatchingPolicy> batchingByModel;
  private final ScheduledExecutorService timers;
  private final ScheduledExecutorService background;
  private final Events events;
  private final Router router;
  private final Shadows shadows = new Shadows();
  private final java.util.concurrent.ScheduledFuture<?> poller;
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

  /** Everything the builder collected; see {@link ModelService.Builder}. */
  public record Settings(
      ModelStore store,
      Runtime runtime,
      boolean ownsRuntime,
      Duration refreshInterval,
      Clock clock,
      ExecutorService executor,
      Principal defaultPrincipal,
      BatchingPolicy defaultBatching,
      Map<String, BatchingPolicy> batchingByModel,
      Ticker ticker,
      ThreadFactory schedulerThreads,
      long memoryBudgetBytes,
      VersionPolicy defaultVersionPolicy,
      Map<String, VersionPolicy> versionPolicies,
      List<ModelEventListener> listeners) {}

  /**
   * Creates the service; use {@link ModelService#builder()}.
   *
   * @param s the settings
   */
  public DefaultModelService(Settings s) {
    this.store = s.store();
    this.runtime = s.runtime();
    this.ownsRuntime = s.ownsRuntime();
    this.clock = s.clock();
    this.ownsExecutor = s.executor() == null;
    this.executor = s.executor() != null ? s.executor() : Executors.newCachedThreadPool(daemonThreads("maas-async-"));
    this.defaultPrincipal = s.defaultPrincipal();
    this.ticker = s.ticker();
    this.defaultBatching = s.defaultBatching();
    this.batchingByModel = Map.copyOf(s.batchingByModel());
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemonThreads("maas-timer-"));
    t.setRemoveOnCancelPolicy(true);
    this.timers = t;
    this.events = new Events(s.listeners());
    ScheduledThreadPoolExecutor sw = new ScheduledThreadPoolExecutor(2, daemonThreads("maas-swap-"));
    sw.setRemoveOnCancelPolicy(true);
    this.background = sw;
    this.catalog = new Catalog(store);
    this.manager = new ModelManager(new ModelManager.Settings(store, runtime, catalog::manifest, this::policyFor,
        ticker, timers, s.schedulerThreads() != null ? s.schedulerThreads() : daemonThreads("maas-batcher-"),
        s.memoryBudgetBytes(), events, clock));
    Map<String, VersionPolicy> vp = Map.copyOf(s.versionPolicies());
    this.router = new Router(catalog, manager, events, background,
        model -> vp.getOrDefault(model, s.defaultVersionPolicy()), clock);
    long every = s.refreshInterval().toMillis();
    this.poller = background.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    LOG.info("model service started: store {}, runtime {}", store.describe(), runtime.name());
  }

  private void poll() {
    try {
      catalog.pollAll();
    } catch (RuntimeException e) {
      LOG.warn("polling {} failed: {}", store.describe(), e.toString());
    }
  }

  /** The builder's per-model policy, else the manifest's, else the builder's default. */
  private BatchingPolicy policyFor(Manifest m) {
    BatchingPolicy p = batchingByModel.get(m.model());
    if (p != null) {
      return p;
    }
    return m.batching() != null ? m.batching() : defaultBatching;
  }

  // ------------------------------------------------------------------ publishing

  @Override
  public ModelVersion deploy(String name, Path modelFile, DeployOptions options) {
    checkOpen();
    Names.checkModelName(name);
    if (modelFile == null || !Files.isRegularFile(modelFile)) {
      throw new InvalidInputException("model file not found: " + modelFile);
    }
    Principal who = options.principal().orElse(defaultPrincipal);
    ModelSignature signature = runtime.inspect(ModelSource.of(modelFile));
    String sha256 = Digests.sha256(modelFile);
    long size;
    try {
      size = Files.size(modelFile);
    } catch (java.io.IOException e) {
      throw new InvalidInputException("cannot read model file " + modelFile + ": " + e.getMessage());
    }
    // Blobs first, then the manifest: until the manifest exists, nothing is visible.
    if (!store.hasBlob(sha256)) {
      store.putBlob(sha256, modelFile);
    }
    Map<String, TensorData> warmup = null;
    if (options.warmup().isPresent()) {
      signature.validate(options.warmup().get().inputs()); // a sample that cannot run is refused now
      warmup = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, dev.maas.Tensor> e : options.warmup().get().inputs().entrySet()) {
        warmup.put(e.getKey(), TensorData.from(e.getValue()));
      }
    }
    String fileName = modelFile.getFileName().toString();
    List<BlobRef> blobs = List.of(new BlobRef(BlobRef.MODEL, fileName, sha256, size));
    long next = store.versions(name).stream().mapToLong(Long::longValue).max().orElse(0) + 1;
    for (int attempt = 0; attempt < 10_000; attempt++, next++) {
      Manifest m = new Manifest(Manifest.SCHEMA_VERSION, name, next, clock.instant(), who.name(),
          runtime.name(), blobs, signature, options.labels(), options.batching().orElse(null), warmup);
      if (store.createManifest(name, next, Json.write(m))) {
        ModelVersion v = new ModelVersion(name, next);
        catalog.reload(name);
        AUDIT.info("deploy {} by {} (sha256 {}, {} bytes)", v, who.name(), sha256, size);
        options.alias().ifPresent(a -> setAlias(name, a, v.version(), CallOptions.defaults().withPrincipal(who)));
        return v;
      }
    }
    throw new ConflictException("could not allocate a version number for '" + name + "': too many concurrent deploys");
  }

  @Override
  public void undeploy(String name, long version) {
    checkOpen();
    ModelVersion v = new ModelVersion(name, version);
    for (Alias a : aliases(name)) {
      if (a.version() == version) {
        throw new ConflictException("cannot undeploy " + v + ": alias '" + a.name() + "' points at it; move the alias first");
      }
    }
    if (!store.deleteManifest(name, version)) {
      throw store.versions(name).isEmpty()
          ? new ModelNotFoundException("no model '" + name + "' in " + store.describe())
          : new VersionNotFoundException("model '" + name + "' has no version " + version);
    }
    catalog.reload(name); // retires the version and reroutes what pointed at it
    catalog.forgetManifest(v);
    if (manager.retire(v)) {
      events.emit(new ModelEvent.VersionRetired(clock.instant(), v));
    }
    AUDIT.info("undeploy {} by {}", v, defaultPrincipal.name());
  }

  @Override
  public Alias setAlias(String name, String alias, long version, CallOptions options) {
    return moveAlias(name, alias, version, options, false);
  }

  @Override
  public Alias rollback(String name, String alias, CallOptions options) {
    checkOpen();
    Alias a = catalog.readAlias(Names.checkModelName(name), Names.checkAliasName(alias)).orElseThrow(
        () -> new VersionNotFoundException("model '" + name + "' has no alias '" + alias + "'"));
    long target = a.rollbackTarget();
    if (target == 0) {
      throw new ConflictException("alias " + name + "@" + alias + " has no earlier version to roll back to");
    }
    return moveAlias(name, alias, target, options, true);
  }

  /** Waits (bounded) until routing through the alias has switched, so the caller sees the move. */
  private void awaitSwap(String name, String alias) {
    try {
      router.pending(name, alias).get(SWAP_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      // The old version keeps serving; LoadFailed was emitted and the load is retried.
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.info("{}@{} is still loading after {} s; the old version serves until it is ready", name, alias, SWAP_WAIT_SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Alias moveAlias(String name, String alias, long version, CallOptions options, boolean rollback) {
    checkOpen();
    Names.checkModelName(name);
    Names.checkAliasName(alias);
    ModelVersion target = new ModelVersion(name, version);
    if (store.readManifest(name, version).isEmpty()) {
      throw store.versions(name).isEmpty()
          ? new ModelNotFoundException("no model '" + name + "' in " + store.describe())
          : new VersionNotFoundException("cannot point alias '" + alias + "' at " + target + ": no such version");
    }
    String who = options.principal().orElse(defaultPrincipal).name();
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      Optional<StoredDocument> current = store.readAlias(name, alias);
      List<AliasChange> history = new ArrayList<>();
      current.ifPresent(d -> history.addAll(Json.readAlias(d.content(), name, alias).history()));
      history.add(new AliasChange(version, clock.instant(), who, rollback));
      if (history.size() > MAX_ALIAS_HISTORY) {
        history.subList(0, history.size() - MAX_ALIAS_HISTORY).clear();
      }
      Alias updated = new Alias(name, alias, version, history);
      if (store.writeAlias(name, alias, Json.write(updated), current.map(StoredDocument::etag).orElse(null))) {
        AUDIT.info("alias {}@{} -> {} by {}{}", name, alias, version, who, rollback ? " (rollback)" : "");
        catalog.reload(name);
        awaitSwap(name, alias);
        return updated;
      }
    }
    throw new ConflictException("alias " + name + "@" + alias + " kept changing under concurrent writers; try again");
  }

  // ------------------------------------------------------------------ catalog

  @Override
  public List<String> list() {
    checkOpen();
    return store.models();
  }

  @Override
  public List<ModelVersion> versions(String name) {
    checkOpen();
    Names.checkModelName(name);
    List<Long> vs = store.versions(name);
    if (vs.isEmpty()) {
      throw new ModelNotFoundException("no model '" + name + "' in " + store.describe());
    }
    List<ModelVersion> out = new ArrayList<>(vs.size());
    vs.forEach(v -> out.add(new ModelVersion(name, v)));
    return out;
  }

  @Override
  public Manifest manifest(ModelRef ref) {
    checkOpen();
    return catalog.manifest(router.resolve(ref, null));
  }

  @Override
  public Manifest verify(ModelRef ref) {
    checkOpen();
    ModelVersion v = router.resolve(ref, null);
    Manifest m = catalog.manifest(v);
    for (BlobRef b : m.blobs()) {
      java.security.MessageDigest md = Digests.sha256();
      long size = 0;
      byte[] buf = new byte[1 << 16];
      try (java.io.InputStream in = store.openBlob(b.sha256())) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
          size += n;
        }
      } catch (java.io.IOException e) {
        throw new dev.maas.StoreException("cannot read blob " + b.sha256() + " of " + v + ": " + e.getMessage(), e);
      }
      String actual = Digests.hex(md.digest());
      if (!actual.equals(b.sha256()) || size != b.size()) {
        throw new dev.maas.IntegrityException("blob '" + b.fileName() + "' of " + v + " does not match its manifest: "
            + "expected sha256 " + b.sha256() + " (" + b.size() + " bytes), found " + actual + " (" + size + " bytes)");
      }
    }
    return m;
  }

  @Override
  public List<Alias> aliases(String name) {
    checkOpen();
    Names.checkModelName(name);
    List<Alias> out = new ArrayList<>();
    for (String a : store.aliases(name)) {
      catalog.readAlias(name, a).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public Optional<Alias> alias(String name, String alias) {
    checkOpen();
    Names.checkModelName(name);
    Names.checkAliasName(alias);
    return catalog.readAlias(name, alias);
  }

  @Override
  public void refresh() {
    checkOpen();
    catalog.pollAll();
    try {
      router.allPending().get(SWAP_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // failed or slow loads leave the old versions serving; events and logs say why
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ running

  @Override
  public InferenceResult predict(ModelRef ref, InferenceRequest request, CallOptions options) {
    checkOpen();
    long now = ticker.read();
    String key = options.requestKey().orElse(null);
    for (int attempt = 0; ; attempt++) {
      ModelVersion v = router.resolve(ref, key);
      LoadedVersion lv = manager.get(v);
      long deadline = deadline(options, lv, now);
      try {
        InferenceResult r = lv.scheduler().call(request.inputs(), options.priority(), deadline);
        if (ref.resolver() instanceof VersionResolver.Shadowed) {
          shadow(ref, (VersionResolver.Shadowed) ref.resolver(), request, key, r);
        }
        return r;
      } catch (ServiceClosedException e) {
        if (!retryElsewhere(v, lv, attempt)) {
          throw e;
        }
      }
    }
  }

  @Override
  public CompletableFuture<InferenceResult> predictAsync(ModelRef ref, InferenceRequest request, CallOptions options) {
    long now = ticker.read();
    CompletableFuture<InferenceResult> result = new CompletableFuture<>();
    try {
      checkOpen();
      ModelVersion v = router.resolve(ref, options.requestKey().orElse(null));
      LoadedVersion lv = manager.get(v);
      if (!lv.scheduler().batching() || ref.resolver() instanceof VersionResolver.Shadowed) {
        // Batching off: a caller-runs call on one of our threads.
        executor.execute(() -> {
          try {
            result.complete(predict(ref, request, options));
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
        return result;
      }
      CompletableFuture<InferenceResult> f = lv.scheduler().submit(request.inputs(), options.priority(),
          deadline(options, lv, now));
      // Cancelling the caller's future cancels the queued request.
      result.whenComplete((r, e) -> {
        if (e instanceof java.util.concurrent.CancellationException) {
          f.cancel(true);
        }
      });
      f.whenComplete((r, e) -> {
        if (e == null) {
          result.complete(r);
        } else if (e instanceof ServiceClosedException && lv.scheduler().accepting() == false && !isClosed()) {
          // Routed to a version retired meanwhile: route again.
          manager.forget(v, lv);
          predictAsync(ref, request, options).whenComplete((r2, e2) -> {
            if (e2 == null) {
              result.complete(r2);
            } else {
              result.completeExceptionally(unwrapCompletion(e2));
            }
          });
        } else {
          result.completeExceptionally(unwrapCompletion(e));
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new ServiceClosedException("model service is closed", e));
    } catch (Throwable t) {
      result.completeExceptionally(t);
    }
    return result;
  }

  private static Throwable unwrapCompletion(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private long deadline(CallOptions options, LoadedVersion lv, long now) {
    Duration timeout = options.timeout().orElse(lv.scheduler().policy().defaultTimeout());
    return timeout == null ? Long.MAX_VALUE : now + timeout.toNanos();
  }

  private boolean retryElsewhere(ModelVersion v, LoadedVersion lv, int attempt) {
    if (isClosed() || lv.scheduler().accepting() || attempt >= 3) {
      return false;
    }
    manager.forget(v, lv);
    return true;
  }

  private boolean isClosed() {
    return state.get() != State.RUNNING;
  }

  @Override
  public Job submitJob(ModelRef ref, Iterable<InferenceRequest> inputs, JobOptions options) {
    checkOpen();
    ModelVersion v = router.resolve(ref, null);
    manager.get(v); // load now: a version that cannot load fails the submit, not every item
    JobRunner job = new JobRunner(this, v, inputs, options);
    Thread t = new Thread(job, "maas-job-" + v + "-" + JOB_IDS.incrementAndGet());
    t.setDaemon(true);
    t.start();
    return job;
  }

  private static final AtomicInteger JOB_IDS = new AtomicInteger();

  /** Sends a copy to the shadow version off the caller's thread; its result is compared, then dropped. */
  private void shadow(ModelRef ref, VersionResolver.Shadowed sh, InferenceRequest request, String key,
      InferenceResult primary) {
    ModelVersion sv;
    try {
      sv = router.resolve(ref.name(), sh.shadow(), key);
    } catch (RuntimeException e) {
      return; // no shadow version to compare with (an alias not set yet): nothing to record
    }
    if (sv.equals(primary.version())) {
      return;
    }
    long start = ticker.read();
    try {
      executor.execute(() -> {
        try {
          InferenceResult copy = manager.get(sv).scheduler().call(request.inputs(), JobOptions.DEFAULT_PRIORITY,
              Long.MAX_VALUE);
          shadows.compared(sv, primary, copy, ticker.read() - start);
        } catch (RuntimeException e) {
          shadows.failed(sv);
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  @Override
  public List<ShadowStats> shadowStats() {
    return shadows.stats();
  }

  @Override
  public List<SchedulerStats> stats() {
    List<SchedulerStats> out = new ArrayList<>();
    for (LoadedVersion lv : manager.loadedVersions()) {
      out.add(lv.stats());
    }
    out.sort(java.util.Comparator.comparing((SchedulerStats st) -> st.version().model())
        .thenComparingLong(st -> st.version().version()));
    return out;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
      return;
    }
    poller.cancel(false);
    router.close();
    background.shutdownNow();
    manager.close(CLOSE_WAIT_MILLIS);
    timers.shutdownNow();
    events.close();
    if (ownsExecutor) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        executor.shutdownNow();
      }
    }
    if (ownsRuntime) {
      runtime.close();
    }
    LOG.info("model service closed");
  }

  private void checkOpen() {
    if (state.get() != State.RUNNING) {
      throw new ServiceClosedException("model service is closed");
    }
  }

  /** Whether a version is loaded now (for tests and stats). */
  public boolean isLoaded(ModelVersion v) {
    return manager.isLoaded(v);
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
