package dev.maas;

import dev.maas.internal.DefaultModelService;
import dev.maas.security.Action;
import dev.maas.security.Authorizer;
import dev.maas.security.InputLimits;
import dev.maas.security.KeyProvider;
import dev.maas.security.Principal;
import dev.maas.security.SigningKeys;
import dev.maas.spi.ModelStore;
import dev.maas.spi.Runtime;
import dev.maas.spi.RuntimeProvider;
import dev.maas.store.FileSystemModelStore;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import dev.maas.batch.BatchingPolicy;
import dev.maas.event.ModelEventListener;
import dev.maas.version.ShadowStats;
import dev.maas.version.VersionPolicy;
import dev.maas.batch.Job;
import dev.maas.batch.JobOptions;
import dev.maas.batch.SchedulerStats;
import dev.maas.batch.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Models as a service, in-process: publish model versions to a store, and run them.
 *
 * <pre>{@code
 * try (ModelService maas = ModelService.builder().storeDirectory(Path.of("models")).build()) {
 *   ModelVersion v = maas.deploy("mlp", Path.of("mlp.onnx"));          // mlp:1
 *   maas.setAlias("mlp", "prod", v.version());
 *   InferenceResult r = maas.predict(ModelRef.parse("mlp@prod"),
 *       InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4)));
 *   float[] y = r.output("y").toFloatArray();
 * }
 * }</pre>
 *
 * <p><b>Versions.</b> Every deploy publishes a new, immutable version numbered 1, 2, 3... per
 * model. Publishing is atomic: the blobs are stored first, then the manifest with a create-if-absent
 * write, so no reader ever sees a half-published version, and two deployers racing each get their
 * own number. A {@link ModelRef} picks the latest version, an exact one, or the one an alias points
 * at; the result of every call says which version served it.
 *
 * <p><b>Loading.</b> A version is loaded on its first call (its blob's SHA-256 is verified first)
 * and stays loaded until it is undeployed or the service closes.
 *
 * <p><b>Freshness.</b> Changes made through this service apply at once. Changes made by others
 * sharing the store (another process, another instance) are seen after at most the builder's
 * {@link Builder#refreshInterval(Duration) refresh interval}, or at once after {@link #refresh()}.
 *
 * <p><b>Security.</b> Every call that names a model is first put to the builder's {@link
 * Builder#authorizer(Authorizer) authorizer} as an {@link Action} by the call's principal ({@link
 * CallOptions#withPrincipal}, else the builder's {@link Builder#defaultPrincipal default}): {@code
 * predict}, {@code predictAsync} and {@code submitJob} are {@link Action#PREDICT}; {@code deploy}
 * is {@link Action#DEPLOY}; {@code setAlias} and {@code rollback} are {@link Action#PROMOTE};
 * {@code undeploy} is {@link Action#DELETE}; {@code versions}, {@code manifest}, {@code aliases}
 * and {@code alias} are {@link Action#READ}, and {@code list} shows only the models the caller may
 * read. A denied call fails with {@link AccessDeniedException} before any work is done and is
 * written to the audit log (SLF4J logger {@code dev.maas.audit}), as deploys, alias moves,
 * rollbacks and undeploys are. The embedded default {@link Authorizer#allowAll()} allows
 * everything. Requests are checked against the builder's {@link Builder#inputLimits(InputLimits)
 * input limits}; manifests can be signed ({@link Builder#signWith}) and required to be ({@link
 * Builder#trustedKeys}); models can be encrypted at rest ({@link DeployOptions#withEncryption}).
 *
 * <p><b>Threads.</b> All methods are thread-safe. {@link #close()} completes or fails every call
 * in flight and releases what the service created; after it, every call fails with {@link
 * ServiceClosedException}.
 */
public interface ModelService extends AutoCloseable {

  /** A builder for a service. */
  static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ publishing

  /**
   * Publishes {@code modelFile} as the next version of model {@code name}.
   *
   * @return the new version
   * @throws InvalidInputException if the name is invalid or the file does not exist
   * @throws ModelLoadException if the runtime cannot read the model (nothing is published)
   * @throws StoreException if the store fails (nothing visible is published)
   */
  default ModelVersion deploy(String name, Path modelFile) {
    return deploy(name, modelFile, DeployOptions.defaults());
  }

  /**
   * Publishes {@code modelFile} as the next version of model {@code name}, with labels, an alias
   * to move to it, or a deploying principal.
   *
   * @return the new version
   * @throws InvalidInputException if the name is invalid or the file does not exist
   * @throws ModelLoadException if the runtime cannot read the model (nothing is published)
   * @throws StoreException if the store fails (nothing visible is published)
   * @throws AccessDeniedException if the principal may not {@link Action#DEPLOY} the model (nor
   *     {@link Action#PROMOTE} it, when the options name an alias)
   * @throws LimitExceededException if the manifest would exceed {@link InputLimits#maxManifestBytes()},
   *     or a model to encrypt is 2 GiB or more
   */
  ModelVersion deploy(String name, Path modelFile, DeployOptions options);

  /**
   * Removes a version. Refused while an alias points at it. A version that is loaded stops taking
   * new calls; calls already running on it finish, then it is freed.
   *
   * @throws ConflictException if an alias points at the version
   * @throws VersionNotFoundException if there is no such version
   * @throws AccessDeniedException if the default principal may not {@link Action#DELETE} the model
   */
  default void undeploy(String name, long version) {
    undeploy(name, version, CallOptions.defaults());
  }

  /**
   * Like {@link #undeploy(String, long)}, as the principal of {@code options}, which must be
   * allowed to {@link Action#DELETE} the model and is recorded in the audit log.
   */
  void undeploy(String name, long version, CallOptions options);

  /**
   * Points {@code alias} of model {@code name} at {@code version}, recording the move in the
   * alias's history. Compare-and-set against concurrent movers.
   *
   * @return the alias as it now stands
   * @throws VersionNotFoundException if the version does not exist
   */
  default Alias setAlias(String name, String alias, long version) {
    return setAlias(name, alias, version, CallOptions.defaults());
  }

  /**
   * Like {@link #setAlias(String, String, long)}, recording the principal of {@code options}.
   *
   * @return the alias as it now stands
   */
  Alias setAlias(String name, String alias, long version, CallOptions options);

  /**
   * Moves {@code alias} back one step: to the version it pointed at before its last move that was
   * not itself rolled back, so repeated rollbacks walk back through the history. Recorded in the
   * history as a rollback.
   *
   * @return the alias as it now stands
   * @throws VersionNotFoundException if the alias does not exist
   * @throws ConflictException if there is no earlier version
   */
  default Alias rollback(String name, String alias) {
    return rollback(name, alias, CallOptions.defaults());
  }

  /** Like {@link #rollback(String, String)}, recording the principal of {@code options}. */
  Alias rollback(String name, String alias, CallOptions options);

  // ------------------------------------------------------------------ reading the catalog

  /** The names of all models with at least one version that the default principal may read, sorted. */
  default List<String> list() {
    return list(CallOptions.defaults());
  }

  /**
   * The names of all models with at least one version that the principal of {@code options} may
   * {@link Action#READ}, sorted. Models it may not read are left out, not refused.
   */
  List<String> list(CallOptions options);

  /**
   * The versions of a model, oldest first.
   *
   * @throws ModelNotFoundException if the model has no versions
   * @throws AccessDeniedException if the default principal may not {@link Action#READ} the model
   */
  default List<ModelVersion> versions(String name) {
    return versions(name, CallOptions.defaults());
  }

  /** Like {@link #versions(String)}, as the principal of {@code options}. */
  List<ModelVersion> versions(String name, CallOptions options);

  /**
   * The manifest of the version {@code ref} resolves to now.
   *
   * @throws ModelNotFoundException if the model does not exist
   * @throws VersionNotFoundException if the version or alias does not exist
   * @throws IntegrityException if the manifest is malformed or fails signature verification
   * @throws AccessDeniedException if the default principal may not {@link Action#READ} the model
   */
  default Manifest manifest(ModelRef ref) {
    return manifest(ref, CallOptions.defaults());
  }

  /**
   * Checks the version {@code ref} resolves to without loading it: every blob's SHA-256 and size
   * against the manifest.
   *
   * @return the verified manifest
   * @throws IntegrityException naming the first mismatch
   */
  Manifest verify(ModelRef ref);


  /** Like {@link #manifest(ModelRef)}, as the principal of {@code options}. */
  Manifest manifest(ModelRef ref, CallOptions options);

  /**
   * The aliases of a model with their history, sorted by name.
   *
   * @throws AccessDeniedException if the default principal may not {@link Action#READ} the model
   */
  default List<Alias> aliases(String name) {
    return aliases(name, CallOptions.defaults());
  }

  /** Like {@link #aliases(String)}, as the principal of {@code options}. */
  List<Alias> aliases(String name, CallOptions options);

  /**
   * One alias of a model, if it is set.
   *
   * @throws AccessDeniedException if the default principal may not {@link Action#READ} the model
   */
  default Optional<Alias> alias(String name, String alias) {
    return alias(name, alias, CallOptions.defaults());
  }

  /** Like {@link #alias(String, String)}, as the principal of {@code options}. */
  Optional<Alias> alias(String name, String alias, CallOptions options);

  /**
   * Re-reads versions and aliases from the store now and waits (up to two minutes) until routing
   * follows them: new targets loaded and warmed up, or failed (the old versions keep serving).
   */
  void refresh();

  // ------------------------------------------------------------------ running

  /**
   * Runs the version {@code ref} resolves to on {@code request}, waiting for the result.
   *
   * @throws ModelNotFoundException if the model does not exist
   * @throws VersionNotFoundException if the version or alias does not exist
   * @throws InvalidInputException if the inputs do not fit the model's signature
   * @throws ModelLoadException if the version cannot be loaded
   * @throws IntegrityException if the version's blob does not match its digest
   * @throws InferenceException if the runtime fails
   * @throws DeadlineExceededException if the call's timeout passed first
   * @throws ServiceClosedException if the service is closed
   * @throws AccessDeniedException if the principal may not {@link Action#PREDICT} the model
   * @throws LimitExceededException if the request exceeds one of the builder's {@link InputLimits}
   */
  default InferenceResult predict(ModelRef ref, InferenceRequest request) {
    return predict(ref, request, CallOptions.defaults());
  }

  /** Like {@link #predict(ModelRef, InferenceRequest)} with a principal, timeout or priority. */
  InferenceResult predict(ModelRef ref, InferenceRequest request, CallOptions options);

  /**
   * Like {@link #predict(ModelRef, InferenceRequest)}, without waiting: the future completes with
   * the result or with one of the exceptions listed there, exactly once. Input validation and
   * routing errors complete the future exceptionally; they are not thrown.
   */
  default CompletableFuture<InferenceResult> predictAsync(ModelRef ref, InferenceRequest request) {
    return predictAsync(ref, request, CallOptions.defaults());
  }

  /** Like {@link #predictAsync(ModelRef, InferenceRequest)} with a principal, timeout or priority. */
  CompletableFuture<InferenceResult> predictAsync(ModelRef ref, InferenceRequest request, CallOptions options);

  /**
   * Runs many inputs as a bulk job through the same scheduler as online calls, at a lower
   * priority, delivering items in input order. The inputs are read lazily: a stream's iterator or a
   * generator need not fit in memory. The version is resolved (and loaded) now, once.
   *
   * <pre>{@code
   * Job job = maas.submitJob(ModelRef.parse("mlp@prod"), requests, JobOptions.defaults());
   * job.results().forEachRemaining(item -> ...);   // in order; failed items carry their error
   * }</pre>
   *
   * @throws ModelNotFoundException if the model does not exist
   * @throws VersionNotFoundException if the version or alias does not exist
   * @throws ModelLoadException if the version cannot be loaded
   * @throws AccessDeniedException if the default principal may not {@link Action#PREDICT} the model
   */
  default Job submitJob(ModelRef ref, Iterable<InferenceRequest> inputs, JobOptions options) {
    return submitJob(ref, inputs, options, CallOptions.defaults());
  }

  /**
   * Like {@link #submitJob(ModelRef, Iterable, JobOptions)}, as the principal of {@code call}: the
   * job and each of its items run with {@code call}'s principal and timeout, at the job's priority.
   */
  Job submitJob(ModelRef ref, Iterable<InferenceRequest> inputs, JobOptions options, CallOptions call);

  /** Agreement and latency of every shadow version that received copies of calls. */
  List<ShadowStats> shadowStats();

  /**
   * A snapshot of the scheduler of every loaded version: queue depth, batch sizes, queue-wait and
   * run-time percentiles, and counts of completed, rejected, expired, failed and cancelled requests.
   */
  List<SchedulerStats> stats();

  /**
   * Closes the service: new calls fail with {@link ServiceClosedException}, calls in flight finish,
   * loaded models are freed, and what the service created (its runtime when found by {@link
   * ServiceLoader}, its executor) is closed; the store and runtime it was given are not. Idempotent.
   */
  @Override
  void close();

  /**
   * Builds a {@link ModelService}. Each setter validates at once; {@link #build()} checks that the
   * settings fit together. Not thread-safe.
   */
  final class Builder {
    private ModelStore store;
    private Runtime runtime;
    private Duration refreshInterval = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private ExecutorService executor;
    private Principal defaultPrincipal = Principal.ANONYMOUS;
    private BatchingPolicy batching = BatchingPolicy.defaults();
    private final Map<String, BatchingPolicy> batchingByModel = new HashMap<>();
    private Ticker ticker = Ticker.systemTicker();
    private ThreadFactory schedulerThreads;
    private long memoryBudget = Long.MAX_VALUE;
    private VersionPolicy versionPolicy = VersionPolicy.onDemand();
    private final Map<String, VersionPolicy> versionPolicies = new HashMap<>();
    private final List<ModelEventListener> listeners = new ArrayList<>();
    private Authorizer authorizer = Authorizer.allowAll();
    private String signingKeyId;
    private PrivateKey signingKey;
    private Map<String, PublicKey> trustedKeys = Map.of();
    private KeyProvider keyProvider;
    private InputLimits inputLimits = InputLimits.defaults();

    private Builder() {}

    /**
     * Who may do what to which model; {@link Authorizer#allowAll()} by default. Asked before every
     * call that names a model (see "Security" in {@link ModelService}).
     */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * Signs the manifest of every deploy with an Ed25519 private key, recording {@code keyId} in it
     * (see {@link dev.maas.version.ManifestSignature}). Services that trust the matching public key
     * under the same id load the version; others that require signatures refuse it. Unsigned by default.
     *
     * @throws IllegalArgumentException if the key id is invalid or the key is not an Ed25519 private key
     */
    public Builder signWith(String keyId, PrivateKey key) {
      dev.maas.version.ManifestSignature.checkKeyId(keyId);
      SigningKeys.checkEd25519(key);
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(new byte[1]);
        s.sign();
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot sign with key '" + keyId + "': " + e.getMessage(), e);
      }
      this.signingKeyId = keyId;
      this.signingKey = key;
      return this;
    }

    /**
     * Requires every manifest to be signed by one of these Ed25519 public keys, by key id: a version
     * whose manifest is unsigned, signed by another key, or altered after signing is never loaded
     * (an {@link IntegrityException} says which), and an alias cannot be pointed at it. Keep
     * several ids to rotate keys. Not required by default.
     *
     * @throws IllegalArgumentException if the map is empty, or an id or key is invalid
     */
    public Builder trustedKeys(Map<String, PublicKey> keys) {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("trustedKeys needs at least one key; leave it unset to accept unsigned manifests");
      }
      for (Map.Entry<String, PublicKey> e : keys.entrySet()) {
        dev.maas.version.ManifestSignature.checkKeyId(e.getKey());
        SigningKeys.checkEd25519(e.getValue());
      }
      this.trustedKeys = Map.copyOf(keys);
      return this;
    }

    /**
     * The master keys for encryption at rest: deploys with {@link DeployOptions#withEncryption}
     * wrap their data keys with them, and loads of encrypted versions unwrap them. None by default
     * (such deploys are refused and such versions fail to load).
     */
    public Builder keyProvider(KeyProvider provider) {
      this.keyProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Bounds on requests and stored documents; {@link InputLimits#defaults()} unless set. */
    public Builder inputLimits(InputLimits limits) {
      this.inputLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * The most bytes loaded versions may hold together (each weighs at least its model files).
     * Loading past it evicts idle, unpinned versions least recently used first; if that cannot make
     * room the call fails with a retryable {@link CapacityException}. Unbounded by default.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder memoryBudget(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("memory budget must be positive: " + bytes);
      }
      this.memoryBudget = bytes;
      return this;
    }

    /** Which versions of every model stay loaded, unless set per model; {@link VersionPolicy#onDemand()} by default. */
    public Builder versionPolicy(VersionPolicy policy) {
      this.versionPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Which versions of one model stay loaded. */
    public Builder versionPolicy(String model, VersionPolicy policy) {
      versionPolicies.put(Names.checkModelName(model), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** Adds a listener for model events (published, routed, loaded, load failed, retired, evicted). */
    public Builder eventListener(ModelEventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * The batching policy of every model for which neither {@link #batching(String,
     * BatchingPolicy)} nor the version's manifest names one; {@link BatchingPolicy#defaults()}
     * (batching off) unless set.
     */
    public Builder batching(BatchingPolicy policy) {
      this.batching = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The batching policy of one model, above what its manifests say. */
    public Builder batching(String model, BatchingPolicy policy) {
      batchingByModel.put(Names.checkModelName(model), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** The time source of queue delays and deadlines (tests pass a fake one). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Makes the batcher threads (one per instance of each loaded version); daemon threads by default. */
    public Builder schedulerThreadFactory(ThreadFactory factory) {
      this.schedulerThreads = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** The store to publish to and load from. The service does not close it. */
    public Builder store(ModelStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Uses a {@link FileSystemModelStore} at {@code directory} (created if needed): the embedded
     * default.
     */
    public Builder storeDirectory(Path directory) {
      this.store = FileSystemModelStore.open(directory);
      return this;
    }

    /**
     * The runtime that loads and runs models. The service does not close it. When none is given,
     * the service looks for exactly one {@link RuntimeProvider} with {@link ServiceLoader}.
     */
    public Builder runtime(Runtime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * How often the service polls the store for new versions and alias moves made by others
     * sharing it (other processes, other instances); 10 seconds by default. A promotion made
     * elsewhere is served here within one interval (plus the time to load the new version).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder refreshInterval(Duration interval) {
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("refresh interval must be positive: " + interval);
      }
      this.refreshInterval = interval;
      return this;
    }

    /** The clock for timestamps and deadlines (tests pass a fixed or fake clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The executor that runs {@link ModelService#predictAsync} calls. The service does not shut
     * down an executor it was given; by default it creates (and shuts down) its own.
     */
    public Builder executor(ExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The principal of calls whose {@link CallOptions} name none; {@link Principal#ANONYMOUS} by default. */
    public Builder defaultPrincipal(Principal principal) {
      this.defaultPrincipal = Objects.requireNonNull(principal, "principal");
      return this;
    }

    /**
     * Builds the service.
     *
     * @throws IllegalStateException if no store was set, no runtime was set and not exactly one
     *     {@link RuntimeProvider} is on the classpath, or the service would refuse its own signed
     *     deploys (its signing key id is not among its trusted keys, or the trusted key under that
     *     id does not match the signing key)
     */
    public ModelService build() {
      if (store == null) {
        throw new IllegalStateException(
            "no model store: call store(...) or storeDirectory(Path) on the builder");
      }
      checkSigningKeyIsTrusted();
      Runtime rt = runtime;
      boolean ownsRuntime = false;
      if (rt == null) {
        rt = discoverRuntime();
        ownsRuntime = true;
      }
      return new DefaultModelService(new DefaultModelService.Settings(store, rt, ownsRuntime, refreshInterval,
          clock, executor, defaultPrincipal, batching, batchingByModel, ticker, schedulerThreads, memoryBudget,
          versionPolicy, versionPolicies, listeners, new DefaultModelService.SecuritySettings(authorizer,
              signingKeyId, signingKey, trustedKeys, keyProvider, inputLimits)));
    }

    private void checkSigningKeyIsTrusted() {
      if (signingKey == null || trustedKeys.isEmpty()) {
        return;
      }
      PublicKey trusted = trustedKeys.get(signingKeyId);
      if (trusted == null) {
        throw new IllegalStateException("signing key id '" + signingKeyId + "' is not among the trusted keys "
            + new java.util.TreeSet<>(trustedKeys.keySet()) + ": this service would refuse its own deploys");
      }
      try {
        byte[] probe = "maas signing key probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(signingKey);
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(trusted);
        s.update(probe);
        if (!s.verify(sig)) {
          throw new IllegalStateException("the trusted key '" + signingKeyId + "' is not the public half of the"
              + " signing key: this service would refuse its own deploys");
        }
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException("cannot check signing key '" + signingKeyId + "': " + e.getMessage(), e);
      }
    }

    private static Runtime discoverRuntime() {
      List<RuntimeProvider> found = new ArrayList<>();
      ServiceLoader.load(RuntimeProvider.class).forEach(found::add);
      if (found.isEmpty()) {
        throw new IllegalStateException(
            "no runtime: add maas-runtime-onnx to the classpath or call runtime(...) on the builder");
      }
      if (found.size() > 1) {
        List<String> names = new ArrayList<>();
        found.forEach(p -> names.add(p.name() + " (" + p.getClass().getName() + ")"));
        throw new IllegalStateException(
            "several runtimes on the classpath " + names + ": choose one with runtime(...) on the builder");
      }
      return found.get(0).create();
    }
  }
}
