package dev.maas.storage.s3;

import dev.maas.ErrorCode;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ServiceClosedException;
import dev.maas.StoreException;
import dev.maas.spi.BlobFetcher;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import dev.maas.storage.s3.internal.Keys;
import dev.maas.storage.s3.internal.S3Errors;
import dev.maas.storage.s3.internal.S3Transfers;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.paginators.ListObjectsV2Iterable;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The {@link ModelStore} on Amazon S3 or an S3-compatible server, with the same layout as the
 * filesystem store under a bucket and an optional key prefix:
 *
 * <pre>
 * s3://&lt;bucket&gt;/&lt;prefix&gt;/blobs/sha256/&lt;hex&gt;
 * s3://&lt;bucket&gt;/&lt;prefix&gt;/models/&lt;name&gt;/versions/&lt;n&gt;.json
 * s3://&lt;bucket&gt;/&lt;prefix&gt;/models/&lt;name&gt;/aliases/&lt;alias&gt;.json
 * </pre>
 *
 * <pre>{@code
 * try (S3ModelStore s3 = S3ModelStore.builder().bucket("models").prefix("prod").region("eu-west-1").build();
 *      ModelService maas = ModelService.builder()
 *          .store(CachingModelStore.builder(s3).directory(Path.of("/var/cache/maas")).maximumBytes(20L << 30).build())
 *          .build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Race safety.</b> A version's manifest is created with {@code If-None-Match: *}, so two
 * deployers can never both create one version; an alias is replaced with {@code If-Match} on the
 * ETag read before (the {@link StoredDocument#etag()} is the S3 ETag), so no alias move is lost. The
 * store checks when it is built that the server honours both (see {@link ConditionalWrites}) and
 * falls back, with a warning, to a weaker mode when it does not.
 *
 * <p><b>Blobs.</b> A blob already in the bucket is never uploaded again (one {@code HEAD}). A blob
 * larger than the {@linkplain Builder#partSize part size} is uploaded as a multipart upload whose
 * parts go up in parallel; its SHA-256 is computed from the bytes actually sent, and the upload is
 * completed (made visible) only if it matches, else aborted. A smaller blob goes up in one {@code
 * PUT} that carries its SHA-256, which S3 checks. {@link #openBlob} reads a blob with parallel
 * ranged {@code GET}s pinned to the ETag seen first, in bounded memory; a connection that breaks or
 * delivers nothing for the {@linkplain Builder#stallTimeout stall timeout} is resumed from the byte
 * reached, with backoff. The stream does not check the digest (the caller does: the service
 * verifies every blob before loading it). This store has no local files, so {@link #localBlobPath}
 * is always empty; wrap it in a {@code CachingModelStore} to keep verified blobs on local disk across
 * restarts: the cache fills itself through {@link #fetchBlob}, which writes the ranges in place in a
 * temporary file while the SHA-256 is computed on the fly, and moves the file into place only if
 * the digest matches.
 *
 * <p><b>Errors.</b> Failures are {@link MaasException}s whose message names the bucket and key;
 * network errors, timeouts, throttling and server errors are {@link StoreException}s (retryable);
 * rejected credentials, denied access and a missing bucket are not retryable. No credential ever
 * appears in a message or a log line.
 *
 * <p><b>Thread safety and ownership.</b> Instances are thread-safe; many instances, in many
 * processes, may share one bucket and prefix. A client passed to {@link Builder#client} stays the
 * caller's and is never closed by the store; a client the builder creates, and the store's transfer
 * threads, are released by {@link #close()}.
 */
public final class S3ModelStore implements ModelStore, BlobFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(S3ModelStore.class);

  /** The default size of multipart-upload parts and download ranges: 8 MiB. */
  public static final long DEFAULT_PART_SIZE = 8L << 20;
  /** S3's smallest part size (except for the last part): 5 MiB. */
  public static final long MIN_PART_SIZE = 5L << 20;
  /** The largest part size this store buffers: 512 MiB. */
  public static final long MAX_PART_SIZE = 512L << 20;

  private static final int CONFLICT_RETRIES = 5;

  private final S3Client client;
  private final boolean ownsClient;
  private final String bucket;
  private final Keys keys;
  private final String describe;
  private final AwsRequestOverrideConfiguration requestConfig;
  private final S3Encryption encryption;
  private final S3Transfers transfers;
  private final boolean conditionalWrites;
  private final boolean conditionalDeletes;
  private final ReentrantLock[] emulationLocks;
  private final AtomicBoolean closed = new AtomicBoolean();
  private S3ModelStore(Builder b, S3Client client, boolean ownsClient, String describe, S3Transfers transfers,
      boolean conditionalWrites, boolean conditionalDeletes) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.bucket = b.bucket;
    this.keys = b.keys;
    this.describe = describe;
    this.requestConfig = AwsRequestOverrideConfiguration.builder().apiCallAttemptTimeout(b.requestTimeout).build();
    this.encryption = b.encryption;
    this.transfers = transfers;
    this.conditionalWrites = conditionalWrites;
    this.conditionalDeletes = conditionalDeletes;
    this.emulationLocks = new ReentrantLock[64];
    for (int i = 0; i < emulationLocks.length; i++) {
      emulationLocks[i] = new ReentrantLock();
    }
  }

  /** A builder; {@link Builder#bucket} is required, everything else has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code s3://<bucket>/<prefix>}, and the endpoint when one was set. Never a credential. */
  @Override
  public String describe() {
    return describe;
  }

  /** The bucket this store writes to. */
  public String bucket() {
    return bucket;
  }

  /** The key prefix, with a trailing slash, or empty for the bucket's root. */
  public String prefix() {
    return keys.prefix();
  }

  /**
   * Whether racing writes use S3 conditional requests ({@code If-None-Match}/{@code If-Match}), as
   * decided when the store was built; false means the weaker {@link ConditionalWrites#EMULATED}
   * mode.
   */
  public boolean usesConditionalWrites() {
    return conditionalWrites;
  }

  // ---------------------------------------------------------------------------------------------
  // Blobs

  /** Whether the blob's object exists (one {@code HEAD}). */
  @Override
  public boolean hasBlob(String sha256) {
    String key = keys.blob(sha256);
    checkOpen();
    return transfers.head(key).isPresent();
  }

  /**
   * Uploads {@code file} unless the blob is already in the bucket, checking its SHA-256 before the
   * object becomes visible.
   *
   * @throws dev.maas.IntegrityException if the file's SHA-256 is not {@code sha256}; nothing is stored
   * @throws StoreException if the file cannot be read or S3 cannot be written (retryable)
   */
  @Override
  public void putBlob(String sha256, Path file) {
    String key = keys.blob(sha256);
    if (file == null) {
      throw new InvalidInputException("the file of blob " + sha256 + " must not be null");
    }
    checkOpen();
    if (transfers.head(key).isPresent()) {
      return;
    }
    transfers.upload(key, sha256, file, conditionalWrites);
  }

  /**
   * Opens the blob for reading with parallel ranged {@code GET}s; the caller closes the stream and
   * checks the digest. Errors while reading are {@link java.io.IOException}s naming the bucket and
   * key (a body that broke off or stalled, once retries are spent) or, when S3 refuses a request
   * (credentials, the blob replaced meanwhile), the {@link MaasException}s described above.
   *
   * @throws StoreException if the blob is not in the bucket, or S3 cannot be reached
   */
  @Override
  public InputStream openBlob(String sha256) {
    String key = keys.blob(sha256);
    checkOpen();
    HeadObjectResponse head = transfers.head(key).orElseThrow(
        () -> new StoreException("blob " + sha256 + " is not in " + describe + " (no object " + key + ")"));
    return transfers.download(key, head.contentLength(), head.eTag());
  }

  /**
   * Downloads the blob into {@code target} after one {@code HEAD}, with parallel ranged {@code
   * GET}s pinned to its ETag, each range written in place by the thread that fetched it while the
   * calling thread computes the SHA-256 in order; see {@link BlobFetcher#fetchBlob}. This is how
   * {@link dev.maas.store.CachingModelStore} fills its cache from S3.
   *
   * @return empty if the blob is not in the bucket; else its size and, unless it is larger than
   *     {@code maxBytes}, the SHA-256 of what was written (the caller compares it with {@code sha256})
   * @throws StoreException if the blob cannot be read (retryable)
   */
  @Override
  public Optional<Fetched> fetchBlob(String sha256, Path target, long maxBytes) {
    String key = keys.blob(sha256);
    Objects.requireNonNull(target, "target");
    checkOpen();
    Optional<HeadObjectResponse> head = transfers.head(key);
    if (head.isEmpty()) {
      return Optional.empty();
    }
    long size = head.get().contentLength();
    if (size > maxBytes) {
      return Optional.of(new Fetched(size, null));
    }
    // The ranges are pinned to this HEAD's ETag: a blob replaced meanwhile fails retryably.
    return Optional.of(new Fetched(size, transfers.downloadTo(key, size, head.get().eTag(), target)));
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  /** The sorted names of the models with at least one manifest. */
  @Override
  public List<String> models() {
    checkOpen();
    List<String> names = new ArrayList<>();
    for (String commonPrefix : commonPrefixes(keys.models())) {
      Optional<String> name = keys.modelOf(commonPrefix);
      if (name.isPresent() && hasVersion(name.get())) {
        names.add(name.get());
      }
    }
    names.sort(null);
    return names;
  }

  /** The version numbers of the model's manifests, ascending. */
  @Override
  public List<Long> versions(String model) {
    String prefix = keys.versions(model);
    checkOpen();
    List<Long> versions = new ArrayList<>();
    for (S3Object object : list(prefix, 1000)) {
      Keys.versionOf(prefix, object.key()).ifPresent(versions::add);
    }
    versions.sort(null);
    return versions;
  }

  /**
   * Creates the manifest only if absent ({@code If-None-Match: *}, or check-then-write in {@link
   * ConditionalWrites#EMULATED} mode).
   */
  @Override
  public boolean createManifest(String model, long version, byte[] content) {
    String key = keys.manifest(model, version);
    requireContent(content, "manifest");
    checkOpen();
    if (conditionalWrites) {
      return conditionalPut(key, content, builder -> builder.ifNoneMatch("*"), "create manifest");
    }
    return emulated(key, () -> {
      if (transfers.head(key).isPresent()) {
        return false;
      }
      put(key, content, builder -> {}, "create manifest");
      return true;
    });
  }

  /** Reads the manifest, or empty if there is none. */
  @Override
  public Optional<byte[]> readManifest(String model, long version) {
    String key = keys.manifest(model, version);
    checkOpen();
    return get(key, "read manifest").map(ResponseBytes::asByteArray);
  }

  /** Deletes the manifest's object; its blobs stay. */
  @Override
  public boolean deleteManifest(String model, long version) {
    String key = keys.manifest(model, version);
    checkOpen();
    Optional<HeadObjectResponse> head = transfers.head(key);
    return head.isPresent() && delete(key, head.get().eTag(), "delete manifest");
  }

  // ---------------------------------------------------------------------------------------------
  // Aliases

  /** The sorted alias names of the model. */
  @Override
  public List<String> aliases(String model) {
    String prefix = keys.aliases(model);
    checkOpen();
    List<String> aliases = new ArrayList<>();
    for (S3Object object : list(prefix, 1000)) {
      Keys.aliasOf(prefix, object.key()).ifPresent(aliases::add);
    }
    aliases.sort(null);
    return aliases;
  }

  /** Reads the alias record with its S3 ETag, or empty if the alias is unset. */
  @Override
  public Optional<StoredDocument> readAlias(String model, String alias) {
    String key = keys.alias(model, alias);
    checkOpen();
    return get(key, "read alias")
        .map(bytes -> new StoredDocument(bytes.asByteArray(), bytes.response().eTag()));
  }

  /**
   * Replaces the alias if its ETag is still {@code expectedEtag} ({@code If-Match}), or creates it
   * if {@code expectedEtag} is null and it does not exist ({@code If-None-Match: *}).
   */
  @Override
  public boolean writeAlias(String model, String alias, byte[] content, String expectedEtag) {
    String key = keys.alias(model, alias);
    requireContent(content, "alias record");
    checkOpen();
    if (conditionalWrites) {
      return expectedEtag == null
          ? conditionalPut(key, content, builder -> builder.ifNoneMatch("*"), "create alias")
          : conditionalPut(key, content, builder -> builder.ifMatch(expectedEtag), "move alias");
    }
    return emulated(key, () -> {
      String current = transfers.head(key).map(HeadObjectResponse::eTag).orElse(null);
      if (!Objects.equals(current, expectedEtag)) {
        return false;
      }
      put(key, content, builder -> {}, expectedEtag == null ? "create alias" : "move alias");
      return true;
    });
  }

  /**
   * Deletes the alias if its ETag is still {@code expectedEtag}.
   *
   * @throws InvalidInputException if {@code expectedEtag} is null
   */
  @Override
  public boolean deleteAlias(String model, String alias, String expectedEtag) {
    String key = keys.alias(model, alias);
    if (expectedEtag == null) {
      throw new InvalidInputException("deleting alias '" + alias + "' of '" + model + "' needs the etag read before");
    }
    checkOpen();
    // S3 answers a conditional delete of an absent key with success, so look first.
    Optional<HeadObjectResponse> head = transfers.head(key);
    if (head.isEmpty() || !expectedEtag.equals(head.get().eTag())) {
      return false;
    }
    return delete(key, expectedEtag, "delete alias");
  }

  /**
   * Stops the transfer threads and closes the S3 client if the builder created it; a client given
   * to {@link Builder#client} is left open. Transfers in progress fail. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    transfers.close();
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "S3ModelStore[" + describe + (conditionalWrites ? "" : ", emulated conditional writes") + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  private Optional<ResponseBytes<GetObjectResponse>> get(String key, String action) {
    try {
      return Optional.of(client.getObjectAsBytes(request -> request.bucket(bucket).key(key)
          .overrideConfiguration(requestConfig)));
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e) && !S3Errors.code(e).equals("NoSuchBucket")) {
        return Optional.empty();
      }
      throw S3Errors.translate(action, where(key), bucket, e);
    }
  }

  private void put(String key, byte[] content, Consumer<PutObjectRequest.Builder> condition,
      String action) {
    try {
      client.putObject(putRequest(key, condition), RequestBody.fromBytes(content));
    } catch (SdkException e) {
      throw S3Errors.translate(action, where(key), bucket, e);
    }
  }

  /** A conditional PUT: true if written, false if the precondition failed. */
  private boolean conditionalPut(String key, byte[] content,
      Consumer<PutObjectRequest.Builder> condition, String action) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.putObject(putRequest(key, condition), RequestBody.fromBytes(content));
        return true;
      } catch (SdkException e) {
        if (S3Errors.isPreconditionFailed(e)) {
          return false;
        }
        if (S3Errors.isNotFound(e) && !S3Errors.code(e).equals("NoSuchBucket")) {
          // If-Match on a key that no longer exists: the alias was deleted since it was read.
          return false;
        }
        if (S3Errors.isConditionalConflict(e) && attempt < CONFLICT_RETRIES) {
          // Another conditional write on this key was in flight; S3 asks to try again.
          S3Transfers.pause(Duration.ofMillis(20L * attempt));
          continue;
        }
        throw S3Errors.translate(action, where(key), bucket, e);
      }
    }
  }

  private PutObjectRequest putRequest(String key, Consumer<PutObjectRequest.Builder> condition) {
    PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key)
        .contentType("application/json").overrideConfiguration(requestConfig);
    S3Transfers.applyEncryption(encryption, request);
    condition.accept(request);
    return request.build();
  }

  /** Deletes {@code key} if its ETag is still {@code etag}; true if this call deleted it. */
  private boolean delete(String key, String etag, String action) {
    if (!conditionalDeletes) {
      return emulated(key, () -> {
        Optional<HeadObjectResponse> head = transfers.head(key);
        if (head.isEmpty() || !etag.equals(head.get().eTag())) {
          return false;
        }
        deleteObject(key, null, action);
        return true;
      });
    }
    try {
      deleteObject(key, etag, action);
      return true;
    } catch (MaasException e) {
      Throwable cause = e.getCause();
      if (cause != null && (S3Errors.isPreconditionFailed(cause) || S3Errors.isNotFound(cause))) {
        return false;
      }
      throw e;
    }
  }

  private void deleteObject(String key, String ifMatch, String action) {
    try {
      client.deleteObject(request -> {
        request.bucket(bucket).key(key).overrideConfiguration(requestConfig);
        if (ifMatch != null) {
          request.ifMatch(ifMatch);
        }
      });
    } catch (SdkException e) {
      throw S3Errors.translate(action, where(key), bucket, e);
    }
  }

  private boolean hasVersion(String model) {
    String prefix = keys.versions(model);
    // Lazily paged: stops at the first page with a version.
    return listing(prefix, null, 100,
        pages -> pages.contents().stream().anyMatch(o -> Keys.versionOf(prefix, o.key()).isPresent()));
  }

  private List<S3Object> list(String prefix, int pageSize) {
    return listing(prefix, null, pageSize, pages -> pages.contents().stream().toList());
  }

  private List<String> commonPrefixes(String prefix) {
    return listing(prefix, "/", 1000, pages -> pages.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
  }

  /**
   * Reads a listing through the SDK's paginator, which requests the next page (continuation token)
   * as {@code read} iterates; errors of any page are translated.
   */
  private <T> T listing(String prefix, String delimiter, int pageSize, Function<ListObjectsV2Iterable, T> read) {
    ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
        .maxKeys(pageSize).overrideConfiguration(requestConfig);
    if (delimiter != null) {
      request.delimiter(delimiter);
    }
    try {
      return read.apply(client.listObjectsV2Paginator(request.build()));
    } catch (SdkException e) {
      throw S3Errors.translate("list", where(prefix), bucket, e);
    }
  }

  /** Runs a check-then-write with the per-key lock of this process held (the weaker mode). */
  private boolean emulated(String key, Supplier<Boolean> checkThenWrite) {
    ReentrantLock lock = emulationLocks[Math.floorMod(key.hashCode(), emulationLocks.length)];
    lock.lock();
    try {
      return checkThenWrite.get();
    } finally {
      lock.unlock();
    }
  }

  private String where(String key) {
    return "s3://" + bucket + "/" + key + transfers.endpointSuffix();
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new ServiceClosedException("the S3 model store " + describe + " is closed");
    }
  }

  private static void requireContent(byte[] content, String what) {
    if (content == null) {
      throw new InvalidInputException("the content of a " + what + " must not be null");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Builder

  /**
   * Configures an {@link S3ModelStore}. Either pass a {@link #client(S3Client) client} you built
   * (and keep owning), or let the store build one from {@link #endpoint}, {@link #region}, {@link
   * #credentialsProvider}, {@link #pathStyle} and {@link #connectTimeout}; mixing the two is
   * rejected at the second setting. Each setter validates its argument at once. Not thread-safe;
   * {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private String bucket;
    private Keys keys = Keys.under("");
    private S3Client client;
    private URI endpoint;
    private Region region;
    private AwsCredentialsProvider credentialsProvider;
    private Boolean pathStyle;
    private Duration connectTimeout;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration stallTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 3;
    private long partSize = DEFAULT_PART_SIZE;
    private int parallelism = 4;
    private S3Encryption encryption = S3Encryption.none();
    private ConditionalWrites conditionalWrites = ConditionalWrites.DETECT;
    private TransferListener listener = TransferListener.none();

    private Builder() {}

    /**
     * The bucket (required). It must exist; the store never creates buckets.
     *
     * @throws IllegalArgumentException if blank or containing '/'
     */
    public Builder bucket(String bucket) {
      if (bucket == null || bucket.isBlank() || bucket.contains("/")) {
        throw new IllegalArgumentException("bucket must be a bucket name (no '/'), got '" + bucket + "'");
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * The key prefix under which the layout lives, e.g. {@code "maas/prod"}; the bucket's root by
     * default. Leading and trailing slashes are ignored.
     *
     * @throws InvalidInputException if a segment is empty, {@code .}, {@code ..} or has other
     *     characters than letters, digits, '.', '_' and '-'
     */
    public Builder prefix(String prefix) {
      this.keys = Keys.under(prefix);
      return this;
    }

    /**
     * An S3 client you built and keep owning: the store uses it and never closes it. Its
     * configuration (endpoint, region, credentials, HTTP client, retry strategy) is yours; the
     * store's request timeout, stall timeout and part retries still apply per request.
     *
     * @throws IllegalStateException if an endpoint, region, credentials provider, path style or
     *     connect timeout was set: those configure a client the store builds
     */
    public Builder client(S3Client client) {
      Objects.requireNonNull(client, "client");
      if (endpoint != null || region != null || credentialsProvider != null || pathStyle != null
          || connectTimeout != null) {
        throw new IllegalStateException("client(...) cannot be combined with endpoint, region, credentialsProvider, "
            + "pathStyle or connectTimeout, which configure a client the store builds itself");
      }
      this.client = client;
      return this;
    }

    /**
     * The endpoint of an S3-compatible server, e.g. {@code http://127.0.0.1:9000}; AWS's endpoint
     * for the region by default. Turns on {@link #pathStyle path-style} addressing unless set.
     *
     * @throws IllegalArgumentException if not an absolute http(s) URI
     * @throws IllegalStateException if a client was given
     */
    public Builder endpoint(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (!endpoint.isAbsolute() || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
          || endpoint.getHost() == null) {
        throw new IllegalArgumentException("endpoint must be an absolute http or https URI, got " + safe(endpoint));
      }
      if (endpoint.getUserInfo() != null) {
        throw new IllegalArgumentException("endpoint must not carry credentials; use credentialsProvider(...)");
      }
      requireOwnClient("endpoint");
      this.endpoint = endpoint;
      return this;
    }

    /**
     * The region, e.g. {@code "eu-west-1"}; by default the SDK's region chain (environment, profile,
     * instance metadata), or {@code us-east-1} when an endpoint is set.
     *
     * @throws IllegalStateException if a client was given
     */
    public Builder region(String region) {
      if (region == null || region.isBlank()) {
        throw new IllegalArgumentException("region must not be blank");
      }
      requireOwnClient("region");
      this.region = Region.of(region.strip());
      return this;
    }

    /**
     * Where credentials come from; the SDK's default chain (environment, profile, container or
     * instance role) by default. The store never logs or reports what it provides.
     *
     * @throws IllegalStateException if a client was given
     */
    public Builder credentialsProvider(AwsCredentialsProvider provider) {
      Objects.requireNonNull(provider, "credentialsProvider");
      requireOwnClient("credentialsProvider");
      this.credentialsProvider = provider;
      return this;
    }

    /**
     * Whether to address buckets by path ({@code http://host/bucket/key}) rather than by host name
     * ({@code http://bucket.host/key}). Most S3-compatible servers need path style; by default it
     * is on when an {@link #endpoint} is set and off otherwise.
     *
     * @throws IllegalStateException if a client was given
     */
    public Builder pathStyle(boolean pathStyle) {
      requireOwnClient("pathStyle");
      this.pathStyle = pathStyle;
      return this;
    }

    /**
     * How long to wait for a TCP connection; 5 seconds by default.
     *
     * @throws IllegalStateException if a client was given
     */
    public Builder connectTimeout(Duration timeout) {
      requirePositive(timeout, "connectTimeout");
      requireOwnClient("connectTimeout");
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * The longest one attempt of a request may take (metadata requests, small objects, each part
     * of an upload); 60 seconds by default. A part upload must fit in it, so raise it with the
     * part size on slow links. Downloads are guarded by the {@link #stallTimeout} instead.
     */
    public Builder requestTimeout(Duration timeout) {
      requirePositive(timeout, "requestTimeout");
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * How long a download may go without receiving a byte before its connection is aborted and the
     * range is resumed from the byte reached; 30 seconds by default. A slow but moving download is
     * never cut. Also the socket read timeout of a client the store builds.
     */
    public Builder stallTimeout(Duration timeout) {
      requirePositive(timeout, "stallTimeout");
      this.stallTimeout = timeout;
      return this;
    }

    /**
     * How many times a request, or a download range whose body broke off, is tried in all, with
     * exponential backoff and jitter in between (the SDK's standard retry strategy); 3 by default.
     * For a client you pass in, its own retry strategy governs request attempts and this governs
     * broken bodies only.
     *
     * @throws IllegalArgumentException unless 1 to 20
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1 || attempts > 20) {
        throw new IllegalArgumentException("maxAttempts must be 1 to 20, got " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The size of multipart-upload parts and download ranges; blobs larger than this are uploaded
     * in parts and downloaded in ranges. 8 MiB by default.
     *
     * @throws IllegalArgumentException unless from {@link #MIN_PART_SIZE} to {@link #MAX_PART_SIZE}
     */
    public Builder partSize(long bytes) {
      if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
        throw new IllegalArgumentException("partSize must be " + MIN_PART_SIZE + " to " + MAX_PART_SIZE + " bytes, got "
            + bytes);
      }
      this.partSize = bytes;
      return this;
    }

    /**
     * How many parts or ranges of one blob move at once; 4 by default. Memory per transfer is about
     * {@code (parallelism + 1) * partSize}.
     *
     * @throws IllegalArgumentException unless 1 to 64
     */
    public Builder parallelism(int parts) {
      if (parts < 1 || parts > 64) {
        throw new IllegalArgumentException("parallelism must be 1 to 64, got " + parts);
      }
      this.parallelism = parts;
      return this;
    }

    /** The server-side encryption asked for on every write; {@link S3Encryption#none()} by default. */
    public Builder encryption(S3Encryption encryption) {
      this.encryption = Objects.requireNonNull(encryption, "encryption");
      return this;
    }

    /** How racing writes are made safe; {@link ConditionalWrites#DETECT} by default. */
    public Builder conditionalWrites(ConditionalWrites mode) {
      this.conditionalWrites = Objects.requireNonNull(mode, "conditionalWrites");
      return this;
    }

    /** Hears about blob uploads and downloads; {@link TransferListener#none()} by default. */
    public Builder transferListener(TransferListener listener) {
      this.listener = Objects.requireNonNull(listener, "transferListener");
      return this;
    }

    /**
     * Builds the store: creates the client unless one was given, checks that the bucket can be
     * listed under the prefix, and probes conditional writes (unless {@link
     * ConditionalWrites#EMULATED}). Makes a few requests.
     *
     * @throws IllegalStateException if no bucket was set
     * @throws MaasException (not retryable) if the credentials are rejected, access is denied, the
     *     bucket does not exist, or conditional writes are {@link ConditionalWrites#REQUIRED} and
     *     not honoured
     * @throws StoreException if the server cannot be reached (retryable)
     */
    public S3ModelStore build() {
      if (bucket == null) {
        throw new IllegalStateException("bucket(...) is required");
      }
      boolean own = client == null;
      S3Client s3 = own ? buildClient() : client;
      Optional<URI> shownEndpoint = own ? Optional.ofNullable(endpoint) : s3.serviceClientConfiguration().endpointOverride();
      String endpointSuffix = shownEndpoint.map(uri -> " at " + safe(uri)).orElse("");
      String root = keys.prefix().isEmpty() ? "" : keys.prefix().substring(0, keys.prefix().length() - 1);
      String description = "s3://" + bucket + "/" + root + endpointSuffix;
      S3Transfers transfers = new S3Transfers(s3, bucket, endpointSuffix, requestTimeout, stallTimeout, maxAttempts,
          (int) partSize, parallelism, encryption, listener);
      try {
        transfers.checkAccess(keys.prefix());
        boolean conditional = true;
        boolean conditionalDeletes = true;
        if (conditionalWrites != ConditionalWrites.EMULATED) {
          S3Transfers.ProbeResult probe = transfers.probeConditionalWrites(keys.probe());
          conditional = probe.writes();
          conditionalDeletes = probe.deletes();
          if (!conditional && conditionalWrites == ConditionalWrites.REQUIRED) {
            throw new MaasException(ErrorCode.STORE_UNAVAILABLE, "the S3 server of " + description
                + " does not honour conditional writes (If-None-Match/If-Match: " + probe.detail()
                + "), and conditionalWrites(REQUIRED) was set", false, null);
          }
          if (!conditional) {
            LOG.warn("S3 model store {}: the server does not honour conditional writes ({}); using the EMULATED mode: "
                + "writes are checked then made, serialized inside this process only. Run one deployer at a time "
                + "(see ConditionalWrites.EMULATED)", description, probe.detail());
          } else if (!conditionalDeletes) {
            LOG.info("S3 model store {}: conditional deletes are not honoured ({}); alias and manifest deletes are "
                + "checked then made", description, probe.detail());
          } else {
            LOG.info("S3 model store {}: conditional writes {}", description, probe.detail());
          }
        } else {
          conditional = false;
          conditionalDeletes = false;
          LOG.info("S3 model store {}: conditional writes EMULATED by configuration; run one deployer at a time",
              description);
        }
        return new S3ModelStore(this, s3, own, description, transfers, conditional, conditionalDeletes);
      } catch (RuntimeException | Error e) {
        transfers.close();
        if (own) {
          s3.close();
        }
        throw e;
      }
    }

    private S3Client buildClient() {
      S3ClientBuilder b = S3Client.builder()
          .httpClientBuilder(Apache5HttpClient.builder()
              .connectionTimeout(connectTimeout != null ? connectTimeout : Duration.ofSeconds(5))
              .socketTimeout(stallTimeout)
              .maxConnections(Math.max(50, parallelism * 8)))
          .overrideConfiguration(o -> o.retryStrategy(
              AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build()));
      if (endpoint != null) {
        b.endpointOverride(endpoint);
      }
      if (region != null) {
        b.region(region);
      } else if (endpoint != null) {
        b.region(Region.US_EAST_1);
      }
      if (credentialsProvider != null) {
        b.credentialsProvider(credentialsProvider);
      }
      b.forcePathStyle(pathStyle != null ? pathStyle : endpoint != null);
      try {
        return b.build();
      } catch (SdkException e) {
        throw new MaasException(ErrorCode.STORE_UNAVAILABLE, "cannot create the S3 client for bucket '" + bucket + "': "
            + e.getMessage(), false, e);
      }
    }

    private void requireOwnClient(String setting) {
      if (client != null) {
        throw new IllegalStateException(setting + "(...) configures a client the store builds, but client(...) was given");
      }
    }

    private static void requirePositive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + duration);
      }
    }

    /** The URI without user info, query or fragment: what may appear in messages. */
    private static String safe(URI uri) {
      try {
        return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
      } catch (URISyntaxException e) {
        return uri.getScheme() + "://" + uri.getHost();
      }
    }
  }
}
