package dev.maas.internal;

import dev.maas.CallOptions;
import dev.maas.ConflictException;
import dev.maas.DeadlineExceededException;
import dev.maas.DeployOptions;
import dev.maas.InferenceException;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ModelSignature;
import dev.maas.Names;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
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
import java.util.concurrent.ThreadFactory;
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
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

  /**
   * Creates the service; use {@link ModelService#builder()}.
   *
   * @param store where versions live (not closed by the service)
   * @param runtime what runs models
   * @param ownsRuntime whether the service created the runtime and so closes it
   * @param refreshInterval how long a cached catalog entry is trusted
   * @param clock for timestamps
   * @param executor for async calls, or null to create one
   * @param defaultPrincipal for calls that name none
   */
  public DefaultModelService(ModelStore store, Runtime runtime, boolean ownsRuntime, Duration refreshInterval,
      Clock clock, ExecutorService executor, Principal defaultPrincipal) {
    this.store = store;
    this.runtime = runtime;
    this.ownsRuntime = ownsRuntime;
    this.clock = clock;
    this.ownsExecutor = executor == null;
    this.executor = executor != null ? executor : Executors.newCachedThreadPool(daemonThreads("maas-async-"));
    this.defaultPrincipal = defaultPrincipal;
    this.catalog = new Catalog(store, refreshInterval, this.executor);
    this.manager = new ModelManager(store, runtime, catalog::manifest);
    LOG.info("model service started: store {}, runtime {}", store.describe(), runtime.name());
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
    String fileName = modelFile.getFileName().toString();
    List<BlobRef> blobs = List.of(new BlobRef(BlobRef.MODEL, fileName, sha256, size));
    long next = store.versions(name).stream().mapToLong(Long::longValue).max().orElse(0) + 1;
    for (int attempt = 0; attempt < 10_000; attempt++, next++) {
      Manifest m = new Manifest(Manifest.SCHEMA_VERSION, name, next, clock.instant(), who.name(),
          runtime.name(), blobs, signature, options.labels());
      if (store.createManifest(name, next, Json.write(m))) {
        ModelVersion v = new ModelVersion(name, next);
        catalog.invalidate(name);
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
    catalog.invalidate(name);
    catalog.forgetManifest(v);
    manager.retire(v);
    AUDIT.info("undeploy {} by {}", v, defaultPrincipal.name());
  }

  @Override
  public Alias setAlias(String name, String alias, long version, CallOptions options) {
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
      history.add(new AliasChange(version, clock.instant(), who));
      if (history.size() > MAX_ALIAS_HISTORY) {
        history.subList(0, history.size() - MAX_ALIAS_HISTORY).clear();
      }
      Alias updated = new Alias(name, alias, version, history);
      if (store.writeAlias(name, alias, Json.write(updated), current.map(StoredDocument::etag).orElse(null))) {
        catalog.invalidate(name);
        AUDIT.info("alias {}@{} -> {} by {}", name, alias, version, who);
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
    return catalog.manifest(catalog.resolve(ref));
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
    catalog.invalidateAll();
  }

  // ------------------------------------------------------------------ running

  @Override
  public InferenceResult predict(ModelRef ref, InferenceRequest request, CallOptions options) {
    long deadline = options.timeout().map(t -> System.nanoTime() + t.toNanos()).orElse(Long.MAX_VALUE);
    return run(ref, request, deadline);
  }

  private InferenceResult run(ModelRef ref, InferenceRequest request, long deadlineNanos) {
    checkOpen();
    ModelVersion v = catalog.resolve(ref);
    LoadedVersion lv = manager.acquire(v);
    try {
      if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
        throw new DeadlineExceededException("deadline passed before " + v + " could run");
      }
      Map<String, Tensor> outputs = lv.model().run(request.inputs());
      return new InferenceResult(v, outputs);
    } catch (MaasException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InferenceException(v + " failed: " + e.getMessage(), e);
    } finally {
      lv.release();
    }
  }

  @Override
  public CompletableFuture<InferenceResult> predictAsync(ModelRef ref, InferenceRequest request, CallOptions options) {
    long deadline = options.timeout().map(t -> System.nanoTime() + t.toNanos()).orElse(Long.MAX_VALUE);
    CompletableFuture<InferenceResult> f = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          f.complete(run(ref, request, deadline));
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new ServiceClosedException("model service is closed", e));
    }
    return f;
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
      return;
    }
    manager.close(CLOSE_WAIT_MILLIS);
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
