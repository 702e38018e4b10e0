package dev.maas.spark;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model store lives, described so that every Spark executor can open the same store
 * itself: a value that travels inside the job, not an open store.
 *
 * <ul>
 *   <li>{@link #directory(Path) file:} a {@code FileSystemModelStore} at a path that every node
 *       sees at the same place (NFS, a mounted bucket, or one machine in local mode);
 *   <li>{@link #s3(String, String) s3:} an S3 bucket and key prefix, with an optional endpoint,
 *       region and path-style addressing, read by {@code maas-storage-s3} (which must then be on
 *       the executors' classpath). Each executor keeps the blobs it loads in a verified local
 *       cache ({@link #withCache}), so a model is downloaded once per executor, not once per task
 *       or job. Credentials are never part of a spec: executors take them from the default AWS
 *       provider chain (instance or container role, environment variables, system properties).
 * </ul>
 *
 * <p>Immutable, serializable and thread-safe. Two equal specs on one executor share one {@code
 * ModelService}.
 */
public final class StoreSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default bound of an S3 store's local blob cache on each executor: 20 GiB. */
  public static final long DEFAULT_CACHE_BYTES = 20L << 30;

  /** The kinds of store a spec can describe. */
  public enum Kind {
    /** A directory every node sees at the same path. */
    FILE,
    /** An S3 bucket and key prefix (or an S3-compatible service at an endpoint). */
    S3
  }

  private final Kind kind;
  private final String location; // FILE: absolute, normalized path; S3: bucket
  private final String prefix; // S3 only: key prefix without leading or trailing '/', may be ""
  private final String endpoint; // S3 only, nullable
  private final String region; // S3 only, nullable
  private final boolean pathStyle; // S3 only
  private final String cacheDirectory; // S3 only, nullable: the executor's default
  private final long cacheBytes; // S3 only

  private StoreSpec(Kind kind, String location, String prefix, String endpoint, String region, boolean pathStyle,
      String cacheDirectory, long cacheBytes) {
    this.kind = kind;
    this.location = location;
    this.prefix = prefix;
    this.endpoint = endpoint;
    this.region = region;
    this.pathStyle = pathStyle;
    this.cacheDirectory = cacheDirectory;
    this.cacheBytes = cacheBytes;
  }

  /**
   * A filesystem store at {@code directory}. A relative path is made absolute here, on the
   * driver, against its working directory: executors have their own.
   */
  public static StoreSpec directory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return new StoreSpec(Kind.FILE, directory.toAbsolutePath().normalize().toString(), "", null, null, false, null,
        0);
  }

  /**
   * An S3 store: {@code bucket} and a key prefix ({@code ""} for the bucket's root).
   *
   * @throws IllegalArgumentException if the bucket name is blank or holds a {@code /}
   */
  public static StoreSpec s3(String bucket, String prefix) {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    if (bucket.isBlank() || bucket.contains("/")) {
      throw new IllegalArgumentException("not an S3 bucket name: '" + bucket + "'");
    }
    return new StoreSpec(Kind.S3, bucket, trimSlashes(prefix), null, null, false, null, DEFAULT_CACHE_BYTES);
  }

  /**
   * Reads a store location: {@code file:/data/models}, {@code file:///data/models}, a plain path
   * such as {@code /data/models} or {@code models} (made absolute on the driver), or {@code
   * s3://bucket/prefix}.
   *
   * @throws IllegalArgumentException if the scheme is neither {@code file} nor {@code s3}
   */
  public static StoreSpec parse(String location) {
    Objects.requireNonNull(location, "location");
    String text = location.trim();
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("s3://")) {
      String rest = text.substring(5);
      int slash = rest.indexOf('/');
      return slash < 0 ? s3(rest, "") : s3(rest.substring(0, slash), rest.substring(slash + 1));
    }
    if (lower.startsWith("file:")) {
      return lower.startsWith("file://") ? directory(Path.of(URI.create(text))) : directory(Path.of(text.substring(5)));
    }
    if (text.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException("unsupported store location '" + location
          + "': use file:/path, a plain path, or s3://bucket/prefix");
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("store location is empty");
    }
    return directory(Path.of(text));
  }

  /**
   * This S3 spec with a service endpoint, for S3-compatible stores (MinIO, S3Proxy) or VPC
   * endpoints.
   *
   * @throws IllegalStateException if this is not an S3 spec
   */
  public StoreSpec withEndpoint(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    requireS3("an endpoint");
    return new StoreSpec(kind, location, prefix, endpoint.toString(), region, pathStyle, cacheDirectory, cacheBytes);
  }

  /**
   * This S3 spec with an AWS region (otherwise the executors' default region provider decides).
   *
   * @throws IllegalStateException if this is not an S3 spec
   */
  public StoreSpec withRegion(String region) {
    Objects.requireNonNull(region, "region");
    requireS3("a region");
    return new StoreSpec(kind, location, prefix, endpoint, region, pathStyle, cacheDirectory, cacheBytes);
  }

  /**
   * This S3 spec addressing the bucket in the path ({@code https://host/bucket/key}) rather than
   * the host name; S3-compatible services usually need it.
   *
   * @throws IllegalStateException if this is not an S3 spec
   */
  public StoreSpec withPathStyle(boolean pathStyle) {
    requireS3("path-style addressing");
    return new StoreSpec(kind, location, prefix, endpoint, region, pathStyle, cacheDirectory, cacheBytes);
  }

  /**
   * This S3 spec with each executor's local blob cache at {@code directory}, bounded to {@code
   * maximumBytes} (least recently used blobs are evicted beyond it; a blob larger than the bound is
   * read from S3 on every load). The path is read on each executor, so it should name local disk
   * there. By default the cache is {@code maas-spark-cache} under each executor's {@code
   * java.io.tmpdir}, bounded to {@value #DEFAULT_CACHE_BYTES} bytes. Executors on one machine may
   * share a directory: one of them downloads a blob while the others wait for it.
   *
   * @throws IllegalStateException if this is not an S3 spec
   * @throws IllegalArgumentException if {@code maximumBytes} is not positive
   */
  public StoreSpec withCache(Path directory, long maximumBytes) {
    Objects.requireNonNull(directory, "directory");
    requireS3("a blob cache");
    if (maximumBytes <= 0) {
      throw new IllegalArgumentException("the cache bound must be positive, got " + maximumBytes);
    }
    return new StoreSpec(kind, location, prefix, endpoint, region, pathStyle, directory.toString(), maximumBytes);
  }

  /** The kind of store. */
  public Kind kind() {
    return kind;
  }

  /** The location as a URI: {@code file:///data/models} or {@code s3://bucket/prefix}. */
  public URI uri() {
    return kind == Kind.FILE ? Path.of(location).toUri() : URI.create("s3://" + location + "/" + prefix);
  }

  /** The directory of a {@link Kind#FILE} spec (absolute). */
  public Optional<Path> directory() {
    return kind == Kind.FILE ? Optional.of(Path.of(location)) : Optional.empty();
  }

  /** The bucket of an {@link Kind#S3} spec. */
  public Optional<String> bucket() {
    return kind == Kind.S3 ? Optional.of(location) : Optional.empty();
  }

  /** The key prefix of an {@link Kind#S3} spec, without leading or trailing slashes; may be empty. */
  public Optional<String> prefix() {
    return kind == Kind.S3 ? Optional.of(prefix) : Optional.empty();
  }

  /** The endpoint of an S3 spec, if one was set. */
  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint).map(URI::create);
  }

  /** The region of an S3 spec, if one was set. */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /** Whether an S3 spec uses path-style addressing. */
  public boolean pathStyle() {
    return pathStyle;
  }

  /** The executors' blob cache directory of an S3 spec, if one was set (else each executor's default). */
  public Optional<Path> cacheDirectory() {
    return Optional.ofNullable(cacheDirectory).map(Path::of);
  }

  /** The bound of an S3 spec's blob cache on each executor, in bytes; 0 for a file spec. */
  public long cacheBytes() {
    return cacheBytes;
  }

  private void requireS3(String what) {
    if (kind != Kind.S3) {
      throw new IllegalStateException(what + " applies to s3:// stores only, not " + this);
    }
  }

  private static String trimSlashes(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == '/') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == '/') {
      to--;
    }
    return s.substring(from, to);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoreSpec s && kind == s.kind && location.equals(s.location) && prefix.equals(s.prefix)
        && Objects.equals(endpoint, s.endpoint) && Objects.equals(region, s.region) && pathStyle == s.pathStyle
        && Objects.equals(cacheDirectory, s.cacheDirectory) && cacheBytes == s.cacheBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, location, prefix, endpoint, region, pathStyle, cacheDirectory, cacheBytes);
  }

  /** The URI, with the S3 endpoint, region and cache directory when set. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(uri().toString());
    if (endpoint != null) {
      sb.append(" (endpoint ").append(endpoint).append(')');
    }
    if (region != null) {
      sb.append(" (region ").append(region).append(')');
    }
    if (cacheDirectory != null) {
      sb.append(" (cache ").append(cacheDirectory).append(')');
    }
    return sb.toString();
  }
}
