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
import dev.maas.LimitExceededException;
import dev.maas.security.Action;
import dev.maas.security.Authorizer;
import dev.maas.security.InputLimits;
import dev.maas.security.KeyProvider;
import dev.maas.security.Principal;
import dev.maas.version.BlobEncryption;
import java.security.PrivateKey;
import java.security.PublicKey;
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
  private final AccessControl access;
  private final InputLimits limits;
  private final String signingKeyId;
  private final PrivateKey signingKey;
  private final KeyProvider keyProvider;

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
      List<ModelEventListener> listeners,
      SecuritySettings security) {
    /** Settings with the security defaults: allow all, no signing, no encryption, default limits. */
    public Settings(ModelStore store, Runtime runtime, boolean ownsRuntime, Duration refreshInterval, Clock clock,
        ExecutorService executor, Principal defaultPrincipal, BatchingPolicy defaultBatching,
        Map<String, BatchingPolicy> batchingByModel, Ticker ticker, ThreadFactory schedulerThreads,
        long memoryBudgetBytes, VersionPolicy defaultVersionPolicy, Map<String, VersionPolicy> versionPolicies,
        List<ModelEventListener> listeners) {
      this(store, runtime, ownsRuntime, refreshInterval, clock, executor, defaultPrincipal, defaultBatching,
          batchingByModel, ticker, schedulerThreads, memoryBudgetBytes, defaultVersionPolicy, versionPolicies,
          listeners, SecuritySettings.DEFAULTS);
    }
  }

  /**
   * The security settings the builder collected.
   *
   * @param authorizer who may do what
   * @param signingKeyId the id to sign manifests under, or null to sign nothing
   * @param signingKey the Ed25519 private key to sign with, or null
   * @param trustedKeys the keys manifests must be signed with; empty to accept unsigned manifests
   * @param keyProvider the master keys for encryption at rest, or null
   * @param limits the bounds on requests and documents
   */
  public record SecuritySettings(Authorizer authorizer, String signingKeyId, PrivateKey signingKey,
      Map<String, PublicKey> trustedKeys, KeyProvider keyProvider, InputLimits limits) {
    /** Allow all, no signing, no verification, no encryption, default limits. */
    public static final SecuritySettings DEFAULTS =
        new SecuritySettings(Authorizer.allowAll(), null, null, Map.of(), null, InputLimits.defaults());
  }

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
    SecuritySettings sec = s.security();
    this.access = new AccessControl(sec.authorizer(), s.defaultPrincipal());
    this.limits = sec.limits();
    this.signingKeyId = sec.signingKeyId();
    this.signingKey = sec.signingKey();
    this.keyProvider = sec.keyProvider();
    this.catalog = new Catalog(store, limits, sec.trustedKeys());
    this.manager = new ModelManager(new ModelManager.Settings(store, runtime, catalog::manifest, this::policyFor,
        ticker, timers, s.schedulerThreads() != null ? s.schedulerThreads() : daemonThreads("maas-batcher-"),
        s.memoryBudgetBytes(), events, clock, keyProvider));
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
    Principal who = access.require(options.principal(), Action.DEPLOY, name);
    if (options.alias().isPresent()) {
      access.require(Optional.of(who), Action.PROMOTE, name); // refused before anything is published
    }
    if (modelFile == null || !Files.isRegularFile(modelFile)) {
      throw new InvalidInputException("model file not found: " + modelFile);
    }
    String encryptUnder = options.encryptionKey().orElse(null);
    if (encryptUnder != null) {
      checkCanEncrypt(modelFile, encryptUnder);
    }
    ModelSignature signature = runtime.inspect(ModelSource.of(modelFile));
    String sha256;
    long size;
    BlobEncryption encryption = null;
    if (encryptUnder == null) {
      sha256 = Digests.sha256(modelFile);
      try {
        size = Files.size(modelFile);
      } catch (java.io.IOException e) {
        throw new InvalidInputException("cannot read model file " + modelFile + ": " + e.getMessage());
      }
      // Blobs first, then the manifest: until the manifest exists, nothing is visible.
      if (!store.hasBlob(sha256)) {
        store.putBlob(sha256, modelFile);
      }
    } else {
      BlobCipher.Sealed sealed = BlobCipher.encrypt(readModel(modelFile), keyProvider, encryptUnder);
      sha256 = Digests.sha256(sealed.ciphertext());
      size = sealed.ciphertext().length;
      encryption = sealed.encryption();
      putCiphertext(sha256, sealed.ciphertext());
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
    List<BlobRef> blobs = List.of(new BlobRef(BlobRef.MODEL, fileName, sha256, size, encryption));
    long next = store.versions(name).stream().mapToLong(Long::longValue).max().orElse(0) + 1;
    for (int attempt = 0; attempt < 10_000; attempt++, next++) {
      Manifest m = new Manifest(Manifest.SCHEMA_VERSION, name, next, clock.instant(), who.name(),
          runtime.name(), blobs, signature, options.labels(), options.batching().orElse(null), warmup);
      if (signingKey != null) {
        m = ManifestSigning.sign(m, signingKeyId, signingKey);
      }
      byte[] json = Json.write(m);
      // A manifest this service could not read back is never published.
      Limits.checkDocument(json, "manifest of " + name + ":" + next, limits);
      if (store.createManifest(name, next, json)) {
        ModelVersion v = new ModelVersion(name, next);
        catalog.reload(name);
        AUDIT.info("deploy {} by {} (sha256 {}, {} bytes{}{})", v, AccessControl.printable(who.name()), sha256, size,
            encryption == null ? "" : ", encrypted under master key '" + encryptUnder + "'",
            signingKey == null ? "" : ", signed with key '" + signingKeyId + "'");
        if (options.alias().isPresent()) {
          checkOpen(); // the upload took a while: a service closed meanwhile moves no alias
          moveAlias(name, options.alias().get(), v.version(), who, false); // PROMOTE allowed above
        }
        return v;
      }
    }
    throw new ConflictException("could not allocate a version number for '" + name + "': too many concurrent deploys");
  }

  /** Refuses an encrypted deploy that cannot work, before the model is read. */
  private void checkCanEncrypt(Path modelFile, String alias) {
    if (keyProvider == null) {
      throw new InvalidInputException("cannot encrypt with master key '" + alias
          + "': this service has no key provider (ModelService.Builder.keyProvider)");
    }
    if (!keyProvider.hasKey(alias)) {
      throw new InvalidInputException("cannot encrypt: " + keyProvider.describe() + " holds no master key '" + alias + "'");
    }
    long size;
    try {
      size = Files.size(modelFile);
    } catch (java.io.IOException e) {
      throw new InvalidInputException("cannot read model file " + modelFile + ": " + e.getMessage());
    }
    if (size > BlobCipher.MAX_PLAINTEXT_BYTES) {
      throw new LimitExceededException(BlobCipher.LIMIT_NAME, BlobCipher.MAX_PLAINTEXT_BYTES, size,
          "model file " + modelFile + ", to be encrypted in memory,");
    }
  }

  private static byte[] readModel(Path modelFile) {
    try {
      return Files.readAllBytes(modelFile);
    } catch (java.io.IOException e) {
      throw new InvalidInputException("cannot read model file " + modelFile + " to encrypt it: " + e.getMessage(), e);
    }
  }

  /** Stores ciphertext through the store's file interface; only ciphertext is ever written. */
  private void putCiphertext(String sha256, byte[] ciphertext) {
    if (store.hasBlob(sha256)) {
      return;
    }
    Path temp = null;
    try {
      temp = Files.createTempFile("maas-ciphertext-", ".bin");
      Files.write(temp, ciphertext);
      store.putBlob(sha256, temp);
    } catch (java.io.IOException e) {
      throw new dev.maas.StoreException("cannot stage the encrypted blob " + sha256 + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (java.io.IOException e) {
          LOG.debug("cannot delete {}: {}", temp, e.toString());
        }
      }
    }
  }

  @Override
  public void undeploy(String name, long version, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    Principal who = access.require(options.principal(), Action.DELETE, name);
    ModelVersion v = new ModelVersion(name, version);
    for (Alias a : aliasesOf(name)) {
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
    AUDIT.info("undeploy {} by {}", v, AccessControl.printable(who.name()));
  }

  @Override
  public Alias setAlias(String name, String alias, long version, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    Principal who = access.require(options.principal(), Action.PROMOTE, name);
    return moveAlias(name, alias, version, who, false);
  }

  @Override
  public Alias rollback(String name, String alias, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    Principal who = access.require(options.principal(), Action.PROMOTE, name);
    Alias a = catalog.readAlias(name, Names.checkAliasName(alias)).orElseThrow(
        () -> new VersionNotFoundException("model '" + name + "' has no alias '" + alias + "'"));
    long target = a.rollbackTarget();
    if (target == 0) {
      throw new ConflictException("alias " + name + "@" + alias + " has no earlier version to roll back to");
    }
    return moveAlias(name, alias, target, who, true);
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

  /** Moves an alias for a caller already checked: service open, model name valid, {@code who} allowed to promote. */
  private Alias moveAlias(String name, String alias, long version, Principal who, boolean rollback) {
    Names.checkAliasName(alias);
    ModelVersion target = new ModelVersion(name, version);
    if (store.readManifest(name, version).isEmpty()) {
      throw store.versions(name).isEmpty()
          ? new ModelNotFoundException("no model '" + name + "' in " + store.describe())
          : new VersionNotFoundException("cannot point alias '" + alias + "' at " + target + ": no such version");
    }
    catalog.manifest(target); // a manifest that is malformed or fails verification is never promoted
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      Optional<StoredDocument> current = store.readAlias(name, alias);
      List<AliasChange> history = new ArrayList<>();
      current.ifPresent(d -> history.addAll(catalog.parseAlias(d.content(), name, alias).history()));
      history.add(new AliasChange(version, clock.instant(), who.name(), rollback));
      if (history.size() > MAX_ALIAS_HISTORY) {
        history.subList(0, history.size() - MAX_ALIAS_HISTORY).clear();
      }
      Alias updated = new Alias(name, alias, version, history);
      if (store.writeAlias(name, alias, Json.write(updated), current.map(StoredDocument::etag).orElse(null))) {
        AUDIT.info("alias {}@{} -> {} by {}{}", name, alias, version, AccessControl.printable(who.name()),
            rollback ? " (rollback)" : "");
        catalog.reload(name);
        awaitSwap(name, alias);
        return updated;
      }
    }
    throw new ConflictException("alias " + name + "@" + alias + " kept changing under concurrent writers; try again");
  }

  // ------------------------------------------------------------------ catalog

  @Override
  public List<String> list(CallOptions options) {
    checkOpen();
    Principal who = access.principal(options.principal());
    List<String> out = new ArrayList<>();
    for (String model : store.models()) {
      if (access.allows(who, Action.READ, model)) {
        out.add(model);
      }
    }
    return out;
  }

  @Override
  public List<ModelVersion> versions(String name, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    access.require(options.principal(), Action.READ, name);
    List<Long> vs = store.versions(name);
    if (vs.isEmpty()) {
      throw new ModelNotFoundException("no model '" + name + "' in " + store.describe());
    }
    List<ModelVersion> out = new ArrayList<>(vs.size());
    vs.forEach(v -> out.add(new ModelVersion(name, v)));
    return out;
  }

  @Override
  public Manifest manifest(ModelRef ref, CallOptions options) {
    checkOpen();
    access.require(options.principal(), Action.READ, ref.name());
    return catalog.manifest(router.resolve(ref, null));
  }

  @Override
  public Manifest verify(ModelRef ref) {
    checkOpen();
    access.require(CallOptions.defaults().principal(), Action.READ, ref.name());
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
  public List<Alias> aliases(String name, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    access.require(options.principal(), Action.READ, name);
    return aliasesOf(name);
  }

  private List<Alias> aliasesOf(String name) {
    List<Alias> out = new ArrayList<>();
    for (String a : store.aliases(name)) {
      catalog.readAlias(name, a).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public Optional<Alias> alias(String name, String alias, CallOptions options) {
    checkOpen();
    Names.checkModelName(name);
    Names.checkAliasName(alias);
    access.require(options.principal(), Action.READ, name);
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
    access.require(options.principal(), Action.PREDICT, ref.name());
    Limits.checkRequest(request.inputs(), limits);
    return predictAllowed(ref, request, options);
  }

  /** {@link #predict} once the call is authorized and within the limits. */
  private InferenceResult predictAllowed(ModelRef ref, InferenceRequest request, CallOptions options) {
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
      access.require(options.principal(), Action.PREDICT, ref.name());
      Limits.checkRequest(request.inputs(), limits);
      ModelVersion v = router.resolve(ref, options.requestKey().orElse(null));
      LoadedVersion lv = manager.get(v);
      if (!lv.scheduler().batching() || ref.resolver() instanceof VersionResolver.Shadowed) {
        // Batching off: a caller-runs call on one of our threads.
        executor.execute(() -> {
          try {
            result.complete(predictAllowed(ref, request, options));
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
    // A timeout of decades is no deadline: Duration.toNanos() overflows past 292 years, and
    // deadlines are compared by subtraction on the ticker, which must not overflow either.
    return timeout == null || timeout.compareTo(Scheduler.LONGEST_WAIT) >= 0 ? Long.MAX_VALUE : now + timeout.toNanos();
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
  public Job submitJob(ModelRef ref, Iterable<InferenceRequest> inputs, JobOptions options, CallOptions call) {
    checkOpen();
    Principal who = access.require(call.principal(), Action.PREDICT, ref.name());
    ModelVersion v = router.resolve(ref, null);
    manager.get(v); // load now: a version that cannot load fails the submit, not every item
    // Each item is a call of the submitter's, authorized and checked against the limits as such.
    JobRunner job = new JobRunner(this, v, inputs, options, call.withPrincipal(who));
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
