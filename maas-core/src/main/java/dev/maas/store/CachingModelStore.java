package dev.maas.store;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.Names;
import dev.maas.StoreException;
import dev.maas.spi.BlobFetcher;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelStore} wrapper that keeps blobs on local disk: a content-addressed cache of
 * verified blobs in front of any store (typically S3), bounded in bytes with least-recently-used
 * eviction, shared safely by every process that points at the same directory. Manifests and aliases
 * pass straight through to the wrapped store; only blobs are cached.
 *
 * <pre>{@code
 * ModelStore store = CachingModelStore.builder(s3Store)
 *     .directory(Path.of("/var/cache/maas"))
 *     .maximumBytes(20L << 30)                   // 20 GiB
 *     .build();
 * ModelService maas = ModelService.builder().store(store).build();
 * }</pre>
 *
 * <p><b>What it does.</b> {@link #localBlobPath} answers from the cache when it can: a blob loaded
 * once is served from local disk from then on, also after a restart, with no request to the
 * wrapped store. On a miss the blob is written into a temporary file with its SHA-256 computed from
 * the bytes as they are written (by the wrapped store in parallel ranges when it is a {@link
 * BlobFetcher}, else by streaming {@code openBlob}), and moved into place only if the digest
 * matches (an {@link IntegrityException} otherwise: nothing is cached). Entries are never modified after that; their
 * digest is not recomputed on a hit (the service checks every blob it loads anyway). {@link
 * #putBlob} stores the blob in the wrapped store and then caches it, so a deployer serves what it
 * just deployed without downloading it. {@link #hasBlob} always asks the wrapped store: a deploy
 * relies on it to decide whether to upload, and a blob in this cache may be missing from the
 * store that other instances read.
 *
 * <p><b>Layout.</b>
 * <pre>
 * &lt;directory&gt;/sha256/&lt;hex&gt;        verified blobs, never modified in place
 * &lt;directory&gt;/sha256/.tmp-*        downloads in progress (removed after an hour if a process died)
 * &lt;directory&gt;/locks/&lt;00..ff&gt;       one lock file per first byte of the digest: one download per blob
 * &lt;directory&gt;/.lock                the lock of the index (touching, inserting, evicting)
 * </pre>
 *
 * <p><b>Bound and eviction.</b> After each insert, least-recently-used entries (by file
 * modification time, which a hit sets to now) are deleted until the total is at most {@link
 * Builder#maximumBytes}. An entry handed out in the last {@link Builder#evictionGrace} is never
 * deleted, so the caller has that long to open it; when only such entries are left the cache stays
 * over its bound until they age (and says so in the log). A blob larger than the bound is not cached
 * ({@link #localBlobPath} is then empty and the service reads it from the wrapped store). While a
 * download is in progress its temporary file comes on top of the bound.
 *
 * <p><b>Several processes.</b> Processes sharing the directory coordinate with file locks (and the
 * threads of one process with in-process locks): one of them downloads a given blob while the
 * others wait for it, every insert is an atomic move of a complete, verified file, and eviction
 * runs under the index lock, so a reader never sees a partial entry and an entry is never deleted
 * between a hit and the grace period that follows it. Use a local filesystem: file locks over
 * network filesystems are often not honoured.
 *
 * <p><b>Durability.</b> A new entry is forced to disk before it is moved into place, so a crash of
 * the machine cannot leave a visible entry with missing content (at worst an entry is missing and
 * downloaded again). {@link Builder#forceToDisk(boolean) forceToDisk(false)} skips that for faster
 * cold loads, at a price described there. An entry damaged later on disk is caught by the
 * service's digest check when it is loaded; {@link #invalidate} removes it.
 *
 * <p><b>Thread safety and ownership.</b> Instances are thread-safe. The wrapped store stays the
 * caller's: {@link #close()} does not close it.
 */
public final class CachingModelStore implements ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(CachingModelStore.class);

  private static final String TEMP_PREFIX = ".tmp-";
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int COPY_BUFFER_BYTES = 1 << 20;
  private static final HexFormat HEX = HexFormat.of();
  /** A temporary file this old belongs to a download that died; live downloads write continuously. */
  private static final Duration STALE_TEMP = Duration.ofHours(1);

  /**
   * File locks are held by the whole JVM (a second lock from this JVM throws instead of waiting), so
   * the threads of every instance in this JVM first queue on an in-process lock per lock file.
   * Bounded: at most 257 lock files per cache directory.
   */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final ModelStore delegate;
  private final Path directory;
  private final Path blobs;
  private final Path locks;
  private final Path indexLock;
  private final long maximumBytes;
  private final Duration evictionGrace;
  private final Clock clock;
  private final boolean forceToDisk;

  private CachingModelStore(Builder b, Path directory) {
    this.delegate = b.delegate;
    this.directory = directory;
    this.blobs = directory.resolve("sha256");
    this.locks = directory.resolve("locks");
    this.indexLock = directory.resolve(".lock");
    this.maximumBytes = b.maximumBytes;
    this.evictionGrace = b.evictionGrace;
    this.clock = b.clock;
    this.forceToDisk = b.forceToDisk;
  }

  /**
   * A builder for a cache in front of {@code delegate}; {@link Builder#directory} and {@link
   * Builder#maximumBytes} are required.
   *
   * @param delegate the store whose blobs are cached (not closed by the cache)
   */
  public static Builder builder(ModelStore delegate) {
    return new Builder(delegate);
  }

  /** What the wrapped store describes, and the cache directory. */
  @Override
  public String describe() {
    return delegate.describe() + " (cached in " + directory + ")";
  }

  /** The cache directory (its real path). */
  public Path directory() {
    return directory;
  }

  /** The bound on the bytes of cached blobs. */
  public long maximumBytes() {
    return maximumBytes;
  }

  /** The store whose blobs this cache holds. */
  public ModelStore delegate() {
    return delegate;
  }

  /** Whether the blob is in the cache now (no request to the wrapped store). */
  public boolean isCached(String sha256) {
    return Files.isRegularFile(entry(sha256), NOFOLLOW_LINKS);
  }

  /** The total size of the cached blobs now, in bytes. */
  public long cachedBytes() {
    long total = 0;
    for (Entry e : entries()) {
      total += e.size();
    }
    return total;
  }

  /**
   * Removes a blob from the cache (for instance one that failed the service's digest check); the
   * next use downloads it again. Waits for the index lock.
   *
   * @return true if it was cached
   */
  public boolean invalidate(String sha256) {
    Path entry = entry(sha256);
    try {
      return withLock(indexLock, () -> Files.deleteIfExists(entry));
    } catch (IOException e) {
      throw failure("cannot remove", entry, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Blobs

  /**
   * Whether the wrapped store has the blob. Not answered from the cache: a deploy skips the upload
   * when this is true, and other instances read the wrapped store, not this cache.
   */
  @Override
  public boolean hasBlob(String sha256) {
    Names.checkSha256(sha256);
    return delegate.hasBlob(sha256);
  }

  /**
   * Stores the blob in the wrapped store, then caches a verified copy of {@code file}. A failure to
   * cache is logged, not thrown: the blob is stored.
   */
  @Override
  public void putBlob(String sha256, Path file) {
    Path entry = entry(sha256);
    if (file == null) {
      throw new InvalidInputException("the file of blob " + sha256 + " must not be null");
    }
    delegate.putBlob(sha256, file);
    if (Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
      return;
    }
    try (InputStream in = Files.newInputStream(file)) {
      insert(sha256, in, file.toAbsolutePath().toString());
    } catch (IOException | StoreException | IntegrityException e) {
      LOG.warn("stored blob {} in {} but could not cache it in {}: {}", sha256, delegate.describe(), directory,
          e.toString());
    }
  }

  /** Opens the cached file, filling the cache first on a miss; blobs too large to cache stream from the wrapped store. */
  @Override
  public InputStream openBlob(String sha256) {
    Optional<Path> local = localBlobPath(sha256);
    if (local.isPresent()) {
      try {
        return Files.newInputStream(local.get());
      } catch (IOException e) {
        throw failure("cannot read cached blob", local.get(), e);
      }
    }
    return delegate.openBlob(sha256);
  }

  /**
   * The cached, verified file of the blob, downloading it from the wrapped store on a miss. Empty if
   * the wrapped store does not have the blob or it is larger than the cache.
   *
   * @throws IntegrityException if the downloaded content does not have this SHA-256 (nothing is cached)
   * @throws StoreException if the wrapped store or the cache directory fails (retryable)
   */
  @Override
  public Optional<Path> localBlobPath(String sha256) {
    Path entry = entry(sha256);
    Optional<Path> hit = touch(entry);
    if (hit.isPresent()) {
      return hit;
    }
    try {
      // One download per blob across threads and processes; the others wait here, then hit.
      return withLock(stripeLock(sha256), () -> {
        Optional<Path> filled = touch(entry);
        if (filled.isPresent()) {
          return filled;
        }
        if (delegate instanceof BlobFetcher fetcher) {
          return fetch(sha256, fetcher);
        }
        if (!delegate.hasBlob(sha256)) {
          return Optional.empty();
        }
        try (InputStream in = delegate.openBlob(sha256)) {
          return insert(sha256, in, delegate.describe());
        }
      });
    } catch (IOException e) {
      throw new StoreException("cannot cache blob " + sha256 + " from " + delegate.describe() + " in " + directory
          + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests and aliases: straight through.

  /** Passes through to the wrapped store. */
  @Override
  public List<String> models() {
    return delegate.models();
  }

  /** Passes through to the wrapped store. */
  @Override
  public List<Long> versions(String model) {
    return delegate.versions(model);
  }

  /** Passes through to the wrapped store. */
  @Override
  public boolean createManifest(String model, long version, byte[] content) {
    return delegate.createManifest(model, version, content);
  }

  /** Passes through to the wrapped store. */
  @Override
  public Optional<byte[]> readManifest(String model, long version) {
    return delegate.readManifest(model, version);
  }

  /** Passes through to the wrapped store. */
  @Override
  public boolean deleteManifest(String model, long version) {
    return delegate.deleteManifest(model, version);
  }

  /** Passes through to the wrapped store. */
  @Override
  public List<String> aliases(String model) {
    return delegate.aliases(model);
  }

  /** Passes through to the wrapped store. */
  @Override
  public Optional<StoredDocument> readAlias(String model, String alias) {
    return delegate.readAlias(model, alias);
  }

  /** Passes through to the wrapped store. */
  @Override
  public boolean writeAlias(String model, String alias, byte[] content, String expectedEtag) {
    return delegate.writeAlias(model, alias, content, expectedEtag);
  }

  /** Passes through to the wrapped store. */
  @Override
  public boolean deleteAlias(String model, String alias, String expectedEtag) {
    return delegate.deleteAlias(model, alias, expectedEtag);
  }

  /** Does nothing: the cache holds no open files between calls, and the wrapped store is the caller's to close. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "CachingModelStore[" + directory + ", " + maximumBytes + " bytes, over " + delegate.describe() + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // The cache itself.

  private Path entry(String sha256) {
    return blobs.resolve(Names.checkSha256(sha256));
  }

  private Path stripeLock(String sha256) {
    return locks.resolve(sha256.substring(0, 2));
  }

  /** Marks a present entry as just used, under the index lock so eviction cannot interleave. */
  private Optional<Path> touch(Path entry) {
    if (!Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      return withLock(indexLock, () -> {
        if (!Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
          return Optional.empty();
        }
        setUsed(entry);
        return Optional.of(entry);
      });
    } catch (IOException e) {
      throw failure("cannot use cached blob", entry, e);
    }
  }

  /**
   * Copies {@code in} into a temporary file while computing its SHA-256, then moves it into place
   * if the digest matches. Empty if the content is larger than the cache.
   */
  private Optional<Path> insert(String sha256, InputStream in, String source) throws IOException {
    Path temp = newTempFile();
    try {
      MessageDigest digest = sha256Digest();
      long size = 0;
      try (FileChannel out = FileChannel.open(temp, WRITE)) {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          size += n;
          if (size > maximumBytes) {
            LOG.info("blob {} from {} is larger than the cache in {} ({} bytes); it is not cached", sha256, source,
                directory, maximumBytes);
            return Optional.empty();
          }
          digest.update(buffer, 0, n);
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
        }
        if (forceToDisk) {
          out.force(false);
        }
      }
      return Optional.of(moveIntoPlace(sha256, HEX.formatHex(digest.digest()), temp, source));
    } finally {
      deleteQuietly(temp);
    }
  }

  /**
   * Has the wrapped store write the blob into a temporary file (in parallel, for a remote store),
   * then moves it into place if the digest of what was written matches. Empty if the store does not
   * have the blob or it is larger than the cache.
   */
  private Optional<Path> fetch(String sha256, BlobFetcher fetcher) throws IOException {
    OptionalLong size = fetcher.blobSize(sha256);
    if (size.isEmpty()) {
      return Optional.empty();
    }
    if (size.getAsLong() > maximumBytes) {
      LOG.info("blob {} in {} is larger than the cache in {} ({} bytes); it is not cached", sha256,
          delegate.describe(), directory, maximumBytes);
      return Optional.empty();
    }
    Path temp = newTempFile();
    try {
      String actual = fetcher.fetchBlob(sha256, temp);
      if (forceToDisk) {
        try (FileChannel out = FileChannel.open(temp, WRITE)) {
          out.force(false);
        }
      }
      return Optional.of(moveIntoPlace(sha256, actual, temp, delegate.describe()));
    } finally {
      deleteQuietly(temp);
    }
  }

  /**
   * Moves a complete temporary file (forced to disk, unless configured otherwise) into place if
   * {@code actual}, its SHA-256 computed from its bytes as they were written, is {@code sha256};
   * then evicts.
   *
   * @throws IntegrityException on a mismatch; nothing is cached
   */
  private Path moveIntoPlace(String sha256, String actual, Path temp, String source) throws IOException {
    if (!actual.equals(sha256)) {
      throw new IntegrityException("blob " + sha256 + " read from " + source + " has SHA-256 " + actual
          + "; it does not match and was not cached");
    }
    Path entry = blobs.resolve(sha256);
    // No directory sync after the move: a rename lost in a crash only means one more download,
    // while the file's own content was forced before, so a visible entry is always complete.
    withLock(indexLock, () -> {
      Files.move(temp, entry, ATOMIC_MOVE);
      setUsed(entry);
      evict(entry);
      return null;
    });
    return entry;
  }

  private record Entry(Path path, long size, Instant used) {}

  /** Deletes least-recently-used entries until the total fits; runs under the index lock. */
  private void evict(Path keep) throws IOException {
    List<Entry> entries = entries();
    long total = 0;
    for (Entry e : entries) {
      total += e.size();
    }
    if (total <= maximumBytes) {
      return;
    }
    entries.sort(Comparator.comparing(Entry::used));
    Instant protectedSince = clock.instant().minus(evictionGrace);
    for (Entry e : entries) {
      if (total <= maximumBytes) {
        break;
      }
      if (e.path().equals(keep) || e.used().isAfter(protectedSince)) {
        continue;
      }
      if (Files.deleteIfExists(e.path())) {
        total -= e.size();
        LOG.debug("evicted {} ({} bytes) from {}", e.path().getFileName(), e.size(), directory);
      }
    }
    if (total > maximumBytes) {
      LOG.warn("cache {} holds {} bytes, over its bound of {}: the other entries were used in the last {} and are "
          + "kept for their readers", directory, total, maximumBytes, evictionGrace);
    }
  }

  /** The cached entries; also removes temporary files left by processes that died. */
  private List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    Instant staleBefore = clock.instant().minus(STALE_TEMP);
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(blobs)) {
      for (Path path : stream) {
        String name = path.getFileName().toString();
        BasicFileAttributes attributes;
        try {
          attributes = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
          continue;
        }
        if (SHA256.matcher(name).matches() && attributes.isRegularFile()) {
          entries.add(new Entry(path, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } else if (name.startsWith(TEMP_PREFIX) && attributes.lastModifiedTime().toInstant().isBefore(staleBefore)) {
          deleteQuietly(path);
        }
      }
    } catch (IOException e) {
      throw failure("cannot list", blobs, e);
    }
    return entries;
  }

  private void setUsed(Path entry) throws IOException {
    Files.setLastModifiedTime(entry, FileTime.from(clock.instant()));
  }

  private Path newTempFile() throws IOException {
    while (true) {
      Path temp = blobs.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      try {
        FileChannel.open(temp, CREATE_NEW, WRITE).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        // A name another writer took; draw again.
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Locking.

  /** Runs {@code action} holding this JVM's lock for {@code lockFile}, then the file lock. */
  private static <T> T withLock(Path lockFile, FileLocks.IoAction<T> action) throws IOException {
    return FileLocks.withLock(JVM_LOCKS.computeIfAbsent(lockFile, path -> new ReentrantLock()), lockFile, java.time.Duration.ofMinutes(10), action);
  }


  // ---------------------------------------------------------------------------------------------
  // Small helpers.

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete temporary file {}: {}", file, e.toString());
    }
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static StoreException failure(String what, Path path, IOException cause) {
    return new StoreException(
        what + " " + path + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
  }

  /**
   * Configures a {@link CachingModelStore}. Each setter validates its argument at once. Not
   * thread-safe.
   */
  public static final class Builder {
    private final ModelStore delegate;
    private Path directory;
    private long maximumBytes = -1;
    private Duration evictionGrace = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();
    private boolean forceToDisk = true;

    private Builder(ModelStore delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
      if (delegate instanceof CachingModelStore) {
        throw new IllegalArgumentException("the store is already cached: " + delegate);
      }
    }

    /** The cache directory (required); created if absent. Processes may share it. */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * The bound on the bytes of cached blobs (required). Size it above the largest model: a blob
     * larger than the bound is not cached.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maximumBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maximumBytes must be positive, got " + bytes);
      }
      this.maximumBytes = bytes;
      return this;
    }

    /**
     * How long an entry just handed out by {@link CachingModelStore#localBlobPath} (or inserted) is
     * safe from eviction, so that the caller can open it; 5 minutes by default. Zero protects only
     * the entry being inserted.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder evictionGrace(Duration grace) {
      Objects.requireNonNull(grace, "evictionGrace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("evictionGrace must not be negative, got " + grace);
      }
      this.evictionGrace = grace;
      return this;
    }

    /**
     * Whether each new entry is forced to disk before it becomes visible; true by default. With
     * false, a cold load skips one {@code fdatasync} of the whole file (on a 200 MB model, tens to
     * hundreds of milliseconds, depending on the disk), but after a crash of the operating system
     * or a power loss an entry written just before may be damaged: the service's digest check then
     * refuses to load it ({@link IntegrityException}) until {@link CachingModelStore#invalidate}
     * removes it. A crash of the process alone never damages an entry either way.
     */
    public Builder forceToDisk(boolean force) {
      this.forceToDisk = force;
      return this;
    }

    /** The clock that stamps entries with their last use; the system clock by default. For tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the directory and its layout if needed and returns the cache.
     *
     * @throws IllegalStateException if the directory or the bound was not set
     * @throws StoreException if the directory cannot be created
     */
    public CachingModelStore build() {
      if (directory == null) {
        throw new IllegalStateException("directory(...) is required");
      }
      if (maximumBytes < 0) {
        throw new IllegalStateException("maximumBytes(...) is required");
      }
      Path real;
      try {
        Files.createDirectories(directory);
        // The real path keys the in-process locks, so two spellings of one directory share them.
        real = directory.toRealPath();
        Files.createDirectories(real.resolve("sha256"));
        Files.createDirectories(real.resolve("locks"));
      } catch (IOException e) {
        throw failure("cannot open the blob cache at", directory.toAbsolutePath(), e);
      }
      return new CachingModelStore(this, real);
    }
  }
}
