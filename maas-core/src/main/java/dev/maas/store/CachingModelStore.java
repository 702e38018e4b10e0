package dev.maas.store;

import static dev.maas.store.StoreFiles.deleteQuietly;
import static dev.maas.store.StoreFiles.failure;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.Names;
import dev.maas.StoreException;
import dev.maas.spi.BlobFetcher;
import dev.maas.spi.LocalBlob;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * matches (an {@link IntegrityException} otherwise: nothing is cached). Entries are never modified after that;
 * see "Verification" for what a hit checks. {@link
 * #putBlob} stores the blob in the wrapped store and then caches it, so a deployer serves what it
 * just deployed without downloading it. {@link #hasBlob} always asks the wrapped store: a deploy
 * relies on it to decide whether to upload, and a blob in this cache may be missing from the
 * store that other instances read.
 *
 * <p><b>Layout.</b>
 * <pre>
 * &lt;directory&gt;/sha256/&lt;hex&gt;        verified blobs, never modified in place
 * &lt;directory&gt;/sha256/.tmp-*        downloads in progress (removed after an hour if a process died)
 * &lt;directory&gt;/verified/&lt;hex&gt;      the entry's verification marker; its modification time is the entry's last use
 * &lt;directory&gt;/locks/&lt;00..ff&gt;       one lock file per first byte of the digest: one download per blob
 * &lt;directory&gt;/.lock                the lock of the index (touching, inserting, evicting)
 * </pre>
 *
 * <p><b>Bound and eviction.</b> After each insert, least-recently-used entries (by the
 * modification time of their marker, which a hit sets to now) are deleted until the total is at most {@link
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
 * <p><b>Verification.</b> When an entry is inserted, its SHA-256 is computed from the bytes as they
 * are written, and a marker records the file's size, modification and change times and inode.
 * {@link #localBlob} hands an entry out as {@link LocalBlob#verified() verified} only while its
 * marker matches the file, so the service loads it without hashing it again: neither right after
 * the download (which has just hashed it) nor on a hit. An entry whose marker does not match (the
 * file was written, truncated, replaced, or its times reset; or the marker is missing, torn or from
 * an older boot) is hashed again before it is handed out: intact, it gets a fresh marker; damaged,
 * it is removed and downloaded again, with a warning.
 *
 * <p><b>Trust model.</b> The cache directory is trusted like the application's own files: anyone
 * who can write it can also write a matching marker, and the cache cannot tell. The marker catches
 * accidents (another program or a person writing into the directory, a torn file after a crash, a
 * copy of the directory from elsewhere), not an adversary with write access to the directory, and
 * not silent corruption of the disk that leaves the file's metadata alone. Where the directory is
 * less trusted than that, set {@link Builder#reverifyEveryUse(boolean) reverifyEveryUse(true)}: the
 * service then hashes the very bytes it loads, on every load (as it always does for stores that do
 * not vouch for their files). The content of what is loaded is in any case what its manifest names;
 * manifests and their signatures never pass through this directory.
 *
 * <p><b>Crashes.</b> A file becomes an entry only by an atomic move of a complete, verified
 * temporary file, so a crash of the process never leaves a partial entry (a leftover temporary file
 * is never served, and is removed after an hour). Entries are not forced to disk by default, so
 * after a crash of the machine (or a power loss) an entry written shortly before may be torn even
 * though its name and size are right. Its marker then does not vouch for it: a marker of an unforced
 * entry is valid only during the boot that wrote it (Linux's boot id), so after a reboot every such
 * entry is hashed once more on first use, and a torn one is replaced. With {@link
 * Builder#forceToDisk(boolean) forceToDisk(true)} the content is on disk before the entry becomes
 * visible, and its marker stays valid across reboots. Markers are never forced: one lost costs a
 * hash of its entry.
 *
 * <p><b>Thread safety and ownership.</b> Instances are thread-safe. The wrapped store stays the
 * caller's: {@link #close()} does not close it.
 */
public final class CachingModelStore implements ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(CachingModelStore.class);

  private static final String TEMP_PREFIX = ".tmp-";
  private static final int COPY_BUFFER_BYTES = 1 << 20;
  /** A temporary file this old belongs to a download that died; live downloads write continuously. */
  private static final Duration STALE_TEMP = Duration.ofHours(1);
  /** This boot of the machine (Linux), or null. */
  private static final String BOOT_ID = currentBootId();
  /** Whether the default file system offers the "unix" attribute view (change time, inode). */
  private static final boolean UNIX_VIEW =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

  /**
   * File locks are held by the whole JVM (a second lock from this JVM throws instead of waiting), so
   * the threads of every instance in this JVM first queue on an in-process lock per lock file.
   * Bounded: at most 257 lock files per cache directory.
   */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final ModelStore delegate;
  private final Path directory;
  private final Path blobs;
  private final Path markers;
  private final Path locks;
  private final Path indexLock;
  private final long maximumBytes;
  private final Duration evictionGrace;
  private final Clock clock;
  private final boolean forceToDisk;
  private final boolean reverifyEveryUse;
  /** This boot of the operating system, or null where it cannot be told; see {@link Marker}. */
  private final String bootId;

  private CachingModelStore(Builder b, Path directory) {
    this.delegate = b.delegate;
    this.directory = directory;
    this.blobs = directory.resolve("sha256");
    this.markers = directory.resolve("verified");
    this.locks = directory.resolve("locks");
    this.indexLock = directory.resolve(".lock");
    this.maximumBytes = b.maximumBytes;
    this.evictionGrace = b.evictionGrace;
    this.clock = b.clock;
    this.forceToDisk = b.forceToDisk;
    this.reverifyEveryUse = b.reverifyEveryUse;
    this.bootId = b.bootId;
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
      return withLock(indexLock, () -> removeEntry(entry));
    } catch (IOException e) {
      throw failure("cannot remove", entry, e);
    }
  }

  /**
   * Removes an entry and its marker, the marker first, so that no marker outlives its entry; the
   * caller holds the index lock.
   *
   * @return true if the entry was there
   */
  private boolean removeEntry(Path entry) throws IOException {
    Files.deleteIfExists(marker(entry));
    return Files.deleteIfExists(entry);
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
   * The cached, verified file of the blob, downloading it from the wrapped store on a miss; {@link
   * #localBlob} says more. Empty if the wrapped store does not have the blob or it is larger than
   * the cache.
   *
   * @throws IntegrityException if the downloaded content does not have this SHA-256 (nothing is cached)
   * @throws StoreException if the wrapped store or the cache directory fails (retryable)
   */
  @Override
  public Optional<Path> localBlobPath(String sha256) {
    return localBlob(sha256).map(LocalBlob::path);
  }

  /**
   * The cached file of the blob, downloading it from the wrapped store on a miss, and marked {@link
   * LocalBlob#verified() verified} (unless {@link Builder#reverifyEveryUse} is set): its SHA-256 was
   * computed from its bytes when it was written, and its verification marker shows the file
   * unchanged since (see "Verification" in the class documentation). An entry whose marker does not
   * match is hashed again before it is handed out, and replaced by a fresh download if its content
   * is wrong. Empty if the wrapped store does not have the blob or it is larger than the cache.
   *
   * @throws IntegrityException if the downloaded content does not have this SHA-256 (nothing is cached)
   * @throws StoreException if the wrapped store or the cache directory fails (retryable)
   */
  @Override
  public Optional<LocalBlob> localBlob(String sha256) {
    Path entry = entry(sha256);
    if (touch(entry) == Hit.TRUSTED) {
      return Optional.of(handOut(entry));
    }
    try {
      // One download (or check) per blob across threads and processes; the others wait here, then hit.
      return withLock(stripeLock(sha256), () -> {
        Hit hit = touch(entry);
        if (hit == Hit.TRUSTED || hit == Hit.UNTRUSTED && reverify(sha256, entry)) {
          return Optional.of(handOut(entry));
        }
        if (delegate instanceof BlobFetcher fetcher) {
          return fetch(sha256, fetcher).map(this::handOut);
        }
        if (!delegate.hasBlob(sha256)) {
          return Optional.empty();
        }
        try (InputStream in = delegate.openBlob(sha256)) {
          return insert(sha256, in, delegate.describe()).map(this::handOut);
        }
      });
    } catch (IOException e) {
      throw new StoreException("cannot cache blob " + sha256 + " from " + delegate.describe() + " in " + directory
          + ": " + e.getMessage(), e);
    }
  }

  private LocalBlob handOut(Path entry) {
    return reverifyEveryUse ? LocalBlob.unverified(entry) : LocalBlob.verified(entry);
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

  /** What {@link #touch} found. */
  private enum Hit {
    /** No entry. */
    MISS,
    /** An entry whose marker vouches for it. */
    TRUSTED,
    /** An entry without a marker that vouches for it: it must be hashed before it is handed out. */
    UNTRUSTED
  }

  /**
   * Marks a present entry as just used and reads its marker, under the index lock so that eviction
   * cannot interleave.
   */
  private Hit touch(Path entry) {
    if (!Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
      return Hit.MISS;
    }
    try {
      return withLock(indexLock, () -> {
        if (!Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
          return Hit.MISS;
        }
        Path marker = marker(entry);
        Marker found = Marker.read(marker);
        if (found == null) {
          // No marker (an entry of an older version, or a crash between the move and the marker):
          // an untrusted one keeps the entry's last use for eviction until it is checked.
          writeMarker(entry, Marker.untrusted(Fingerprint.of(entry)));
          return Hit.UNTRUSTED;
        }
        Files.setLastModifiedTime(marker, FileTime.from(clock.instant()));
        return found.vouchesFor(Fingerprint.of(entry), bootId) ? Hit.TRUSTED : Hit.UNTRUSTED;
      });
    } catch (NoSuchFileException e) {
      return Hit.MISS; // removed by another process in the moment
    } catch (IOException e) {
      throw failure("cannot use cached blob", entry, e);
    }
  }

  /**
   * Hashes an entry whose marker does not vouch for it (after a reboot, when entries are not forced
   * to disk; or after the file changed) and marks it verified if its content is right; otherwise
   * removes it (the caller then downloads it again). Runs under the blob's stripe lock.
   *
   * @return true if the entry is verified and marked
   */
  private boolean reverify(String sha256, Path entry) throws IOException {
    Fingerprint before;
    String actual;
    try {
      before = Fingerprint.of(entry);
      actual = sha256Of(entry);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (actual.equals(sha256)) {
      if (forceToDisk) {
        try (FileChannel channel = FileChannel.open(entry, WRITE)) {
          channel.force(false);
        }
      }
      return withLock(indexLock, () -> {
        Fingerprint now;
        try {
          now = Fingerprint.of(entry);
        } catch (NoSuchFileException e) {
          return false; // evicted or invalidated meanwhile: download again
        }
        if (!now.equals(before)) {
          return false; // changed while it was hashed: trust nothing, download again
        }
        writeMarker(entry, Marker.verified(now, forceToDisk ? Marker.DURABLE : bootId));
        LOG.debug("cached blob {} in {} checked again: intact", sha256, directory);
        return true;
      });
    }
    LOG.warn("cached blob {} in {} has SHA-256 {}: damaged or altered on disk; it is removed and downloaded again",
        sha256, directory, actual);
    withLock(indexLock, () -> removeEntry(entry));
    return false;
  }

  /**
   * Copies {@code in} into a temporary file while computing its SHA-256, then moves it into place
   * if the digest matches. Empty if the content is larger than the cache.
   */
  private Optional<Path> insert(String sha256, InputStream in, String source) throws IOException {
    Path temp = newTempFile();
    try {
      MessageDigest digest = StoreFiles.sha256();
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
      return Optional.of(moveIntoPlace(sha256, StoreFiles.hex(digest.digest()), temp, source));
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
    Path temp = newTempFile();
    try {
      Optional<BlobFetcher.Fetched> fetched = fetcher.fetchBlob(sha256, temp, maximumBytes);
      if (fetched.isEmpty()) {
        return Optional.empty();
      }
      if (!fetched.get().written()) {
        LOG.info("blob {} in {} is larger than the cache in {} ({} bytes); it is not cached", sha256,
            delegate.describe(), directory, maximumBytes);
        return Optional.empty();
      }
      if (forceToDisk) {
        try (FileChannel out = FileChannel.open(temp, WRITE)) {
          out.force(false);
        }
      }
      return Optional.of(moveIntoPlace(sha256, fetched.get().sha256(), temp, delegate.describe()));
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
    // No directory sync after the move: a rename lost in a crash only means one more download.
    // The marker vouches for the entry across reboots only if its content was forced to disk;
    // otherwise only during this boot (see "Crashes" in the class documentation).
    withLock(indexLock, () -> {
      Files.move(temp, entry, ATOMIC_MOVE);
      writeMarker(entry, Marker.verified(Fingerprint.of(entry), forceToDisk ? Marker.DURABLE : bootId));
      evict(entry);
      return null;
    });
    return entry;
  }

  private record Entry(Path path, long size, Instant used) {}

  /** Deletes least-recently-used entries until the total fits; runs under the index lock. */
  private void evict(Path keep) throws IOException {
    List<Entry> entries = entries();
    sweepMarkers();
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
      if (removeEntry(e.path())) {
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
        if (Names.isSha256(name) && attributes.isRegularFile()) {
          // The last use is stamped on the marker, so that the entry itself never changes.
          Instant used = attributes.lastModifiedTime().toInstant();
          try {
            used = Files.getLastModifiedTime(marker(path), NOFOLLOW_LINKS).toInstant();
          } catch (NoSuchFileException e) {
            // No marker yet: the entry's own time.
          }
          entries.add(new Entry(path, attributes.size(), used));
        } else if (name.startsWith(TEMP_PREFIX) && attributes.lastModifiedTime().toInstant().isBefore(staleBefore)) {
          deleteQuietly(path);
        }
      }
    } catch (IOException e) {
      throw failure("cannot list", blobs, e);
    }
    return entries;
  }

  /**
   * Removes markers whose entry is gone (a crash between the two deletes) and marker temporary
   * files of processes that died; runs under the index lock.
   */
  private void sweepMarkers() throws IOException {
    Instant staleBefore = clock.instant().minus(STALE_TEMP);
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(markers)) {
      for (Path path : stream) {
        String name = path.getFileName().toString();
        if (Names.isSha256(name)) {
          if (!Files.exists(blobs.resolve(name), NOFOLLOW_LINKS)) {
            deleteQuietly(path);
          }
        } else if (name.startsWith(TEMP_PREFIX)) {
          try {
            if (Files.getLastModifiedTime(path, NOFOLLOW_LINKS).toInstant().isBefore(staleBefore)) {
              deleteQuietly(path);
            }
          } catch (NoSuchFileException e) {
            // gone already
          }
        }
      }
    }
  }

  private Path marker(Path entry) {
    return markers.resolve(entry.getFileName().toString());
  }

  /** Replaces the entry's marker atomically, stamped with the current time as its last use; under the index lock. */
  private void writeMarker(Path entry, Marker marker) throws IOException {
    Path target = marker(entry);
    Path temp = markers.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.write(temp, marker.format().getBytes(StandardCharsets.UTF_8), CREATE_NEW, WRITE);
      Files.setLastModifiedTime(temp, FileTime.from(clock.instant()));
      // No force: a marker lost in a crash only costs one more hash of its entry.
      Files.move(temp, target, ATOMIC_MOVE, REPLACE_EXISTING);
    } finally {
      deleteQuietly(temp);
    }
  }

  private String sha256Of(Path file) throws IOException {
    MessageDigest digest = StoreFiles.sha256();
    ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER_BYTES);
    try (FileChannel in = FileChannel.open(file)) {
      while (in.read(buffer) >= 0) {
        buffer.flip();
        digest.update(buffer);
        buffer.clear();
      }
    }
    return StoreFiles.hex(digest.digest());
  }

  /**
   * What the file system says about an entry file, recorded in its marker when its content was
   * verified: any write to the file, a replacement, a truncation, or resetting its modification
   * time (which changes its change time) changes it. One blind spot: file times tick coarsely (a
   * few milliseconds on Linux), so a same-size write within that tick of the marker goes unseen.
   */
  private record Fingerprint(long size, long modifiedNanos, long changedNanos, String fileKey) {
    static Fingerprint of(Path file) throws IOException {
      if (UNIX_VIEW) {
        Map<String, Object> unix = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,dev,ino", NOFOLLOW_LINKS);
        return new Fingerprint((Long) unix.get("size"),
            ((FileTime) unix.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
            ((FileTime) unix.get("ctime")).to(TimeUnit.NANOSECONDS), unix.get("dev") + ":" + unix.get("ino"));
      }
      // Without the Unix view (Windows): size, modification time and file key only.
      BasicFileAttributes basic = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
      return new Fingerprint(basic.size(), basic.lastModifiedTime().to(TimeUnit.NANOSECONDS), -1,
          String.valueOf(basic.fileKey()));
    }
  }

  /**
   * The verification marker of an entry, {@code <directory>/verified/<hex>}: the entry's {@link
   * Fingerprint} when its content was last verified, and for how long that holds: {@code durable}
   * (the content was forced to disk before the marker was written), the id of the boot it was
   * written in (content not forced: after a crash of the machine it may be torn, and the next boot
   * has another id), or {@code none} (never vouches: a stamp of last use only). Its modification
   * time is the entry's last use.
   */
  private record Marker(Fingerprint fingerprint, String validity) {
    static final String DURABLE = "durable";
    static final String NONE = "none";
    private static final String HEADER = "maas-cache-marker 1";

    static Marker verified(Fingerprint fingerprint, String validity) {
      return new Marker(fingerprint, validity == null ? NONE : validity);
    }

    static Marker untrusted(Fingerprint fingerprint) {
      return new Marker(fingerprint, NONE);
    }

    boolean vouchesFor(Fingerprint current, String bootId) {
      boolean stillValid = validity.equals(DURABLE) || bootId != null && validity.equals(bootId);
      return stillValid && fingerprint.equals(current);
    }

    String format() {
      return HEADER + "\n" + fingerprint.size() + "\n" + fingerprint.modifiedNanos() + "\n"
          + fingerprint.changedNanos() + "\n" + fingerprint.fileKey() + "\n" + validity + "\n";
    }

    /** The marker in {@code file}, or null if there is none or it cannot be read (torn, foreign). */
    static Marker read(Path file) throws IOException {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return null;
      } catch (java.nio.charset.CharacterCodingException e) {
        return null;
      }
      String[] lines = text.split("\n", -1);
      if (lines.length != 7 || !lines[0].equals(HEADER) || !lines[6].isEmpty() || lines[5].isEmpty()) {
        return null;
      }
      try {
        return new Marker(new Fingerprint(Long.parseLong(lines[1]), Long.parseLong(lines[2]),
            Long.parseLong(lines[3]), lines[4]), lines[5]);
      } catch (NumberFormatException e) {
        return null;
      }
    }
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

  /** Linux's id of this boot of the machine, or null where there is none. */
  private static String currentBootId() {
    try {
      String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
      return id.isEmpty() || id.contains("\n") ? null : id;
    } catch (IOException | RuntimeException e) {
      return null;
    }
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
    private boolean forceToDisk = false;
    private boolean reverifyEveryUse = false;
    private String bootId = BOOT_ID;

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
     * Whether each new entry is forced to disk ({@code fdatasync}) before it becomes visible; false
     * by default. Either way a crash never makes the cache hand out a damaged entry as verified
     * (see "Crashes" in the class documentation). Forcing costs one {@code fdatasync} of the whole
     * file on every cold load (on a 200 MB model, tens to hundreds of milliseconds, depending on
     * the disk and what else writes to it) and buys this: after a reboot, entries are trusted at
     * once instead of being hashed once more on their first use. Turn it on where reboots are
     * frequent and models large, or where the operating system cannot tell one boot from the next
     * (not Linux: there an unforced entry is hashed again on every use).
     */
    public Builder forceToDisk(boolean force) {
      this.forceToDisk = force;
      return this;
    }

    /**
     * Whether entries are handed out as unverified, so that the service hashes every byte it loads,
     * on every load, as if the cache did not vouch for them; false by default. Turn it on where the
     * cache directory is not as trusted as the application itself (writable by other users or
     * containers), or to catch silent corruption of the disk that leaves the file's metadata alone.
     * Costs one SHA-256 of the model per load (about 120 ms per 200 MB on one core here).
     */
    public Builder reverifyEveryUse(boolean reverify) {
      this.reverifyEveryUse = reverify;
      return this;
    }

    /**
     * The id of the current boot of the machine, which markers of unforced entries are valid for;
     * read from {@code /proc/sys/kernel/random/boot_id} by default. For tests, to simulate a reboot.
     */
    Builder bootId(String bootId) {
      this.bootId = bootId;
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
        Files.createDirectories(real.resolve("verified"));
      } catch (IOException e) {
        throw failure("cannot open the blob cache at", directory.toAbsolutePath(), e);
      }
      return new CachingModelStore(this, real);
    }
  }
}
