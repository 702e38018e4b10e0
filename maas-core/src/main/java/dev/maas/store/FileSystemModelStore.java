package dev.maas.store;

import static dev.maas.store.StoreFiles.deleteQuietly;
import static dev.maas.store.StoreFiles.failure;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.Names;
import dev.maas.StoreException;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link ModelStore}: a directory on local (or shared) disk with the layout
 *
 * <pre>
 * &lt;root&gt;/blobs/sha256/&lt;hex&gt;
 * &lt;root&gt;/models/&lt;name&gt;/versions/&lt;n&gt;.json
 * &lt;root&gt;/models/&lt;name&gt;/aliases/&lt;alias&gt;.json
 * </pre>
 *
 * <p>Every write goes to a temporary file in the target's directory (its name starts with {@code
 * .tmp-}; listings never show such files) and is then moved into place atomically, so a reader sees
 * either nothing or the complete file. Manifests are created with a hard link, which fails if the
 * target exists, so two deployers can never both create the same version; on a filesystem without
 * hard links an exclusive lock file per model ({@code models/<name>/.lock}) serializes creation
 * instead. Alias writes are compare-and-set under an exclusive lock on {@code
 * models/<name>/aliases/.lock}; an alias's etag is the hex SHA-256 of its content. Lock files are
 * created on first use and never deleted (deleting a lock file would let two writers lock two
 * different files).
 *
 * <p>A writer that crashes can leave a {@code .tmp-*} file behind; it is ignored by every read and
 * listing and may be deleted by an operator once no writer is running.
 *
 * <p><b>Thread safety:</b> instances are thread-safe and hold no resources, so {@link #close()} does
 * nothing. Several instances, in this process or in other processes, may share one root: the
 * create-if-absent and compare-and-set guarantees hold across all of them, as long as the
 * filesystem honours hard links or {@link FileChannel#lock() file locks} (local filesystems do;
 * check yours before sharing a store over a network filesystem).
 */
public final class FileSystemModelStore implements ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelStore.class);

  /** The prefix of every temporary file; names that start with '.' are never valid names. */
  static final String TEMP_PREFIX = ".tmp-";

  private static final String LOCK_FILE = ".lock";
  private static final String JSON = ".json";
  private static final int COPY_BUFFER_BYTES = 64 * 1024;

  /**
   * FileChannel locks are held by the whole JVM: a second lock on the same file from this JVM throws
   * OverlappingFileLockException instead of waiting. So threads, of every instance in this JVM,
   * queue on one of these first. Striped, so memory stays bounded however many models there are;
   * nobody ever holds two, so striping cannot deadlock.
   */
  private static final ReentrantLock[] JVM_LOCKS = newLocks(64);

  private final Path root;
  private final Path blobs;
  private final Path models;
  private final boolean hardLinks;

  private FileSystemModelStore(Path root, boolean hardLinks) {
    this.root = root;
    this.blobs = root.resolve("blobs").resolve("sha256");
    this.models = root.resolve("models");
    this.hardLinks = hardLinks;
  }

  /**
   * Opens the store rooted at {@code root}, creating the directory and its layout if needed. The
   * caller may open the same root any number of times, from any number of processes.
   *
   * @param root the store's directory
   * @return a store for that directory
   * @throws InvalidInputException if {@code root} is null
   * @throws StoreException if the directory cannot be created or is not a directory
   */
  public static FileSystemModelStore open(Path root) {
    return open(root, true);
  }

  /**
   * Opens the store; with {@code allowHardLinks} false, manifests are created under the per-model
   * lock as on a filesystem without hard links (so tests can exercise that path).
   */
  static FileSystemModelStore open(Path root, boolean allowHardLinks) {
    if (root == null) {
      throw new InvalidInputException("the store root must not be null");
    }
    Path realRoot;
    try {
      Files.createDirectories(root);
      // The real path keys the JVM-level locks, so two spellings of one root share them.
      realRoot = root.toRealPath();
      Files.createDirectories(realRoot.resolve("blobs").resolve("sha256"));
      Files.createDirectories(realRoot.resolve("models"));
    } catch (IOException e) {
      throw failure("cannot open the model store at", root.toAbsolutePath(), e);
    }
    boolean hardLinks = allowHardLinks && supportsHardLinks(realRoot.resolve("models"));
    return new FileSystemModelStore(realRoot, hardLinks);
  }

  /** Returns {@code file:} and the absolute path of the root. */
  @Override
  public String describe() {
    return "file:" + root;
  }

  /** Whether the blob file exists. */
  @Override
  public boolean hasBlob(String sha256) {
    return Files.isRegularFile(blobPath(sha256), NOFOLLOW_LINKS);
  }

  /**
   * Copies {@code file} into the store, checking its SHA-256 on the way.
   *
   * @throws IntegrityException if the content's digest is not {@code sha256}; nothing is stored
   * @throws StoreException if {@code file} cannot be read or the store cannot be written
   */
  @Override
  public void putBlob(String sha256, Path file) {
    Path target = blobPath(sha256);
    if (file == null) {
      throw new InvalidInputException("the file of blob " + sha256 + " must not be null");
    }
    if (Files.isRegularFile(target, NOFOLLOW_LINKS)) {
      return;
    }
    Path dir = target.getParent();
    MessageDigest digest = StoreFiles.sha256();
    Path temp;
    try (InputStream in = Files.newInputStream(file)) {
      temp = writeTemp(dir, in, digest);
    } catch (IOException e) {
      throw failure("cannot copy " + file.toAbsolutePath() + " into", dir, e);
    }
    try {
      String actual = StoreFiles.hex(digest.digest());
      if (!actual.equals(sha256)) {
        throw new IntegrityException(
            "the content of " + file.toAbsolutePath() + " has SHA-256 " + actual + ", not the expected " + sha256
                + "; nothing was stored");
      }
      // Content-addressed: if another writer got there first, it wrote the same bytes.
      Files.move(temp, target, ATOMIC_MOVE);
      syncDirectory(dir);
    } catch (IOException e) {
      throw failure("cannot write blob", target, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  /** Opens the blob file; the caller closes the stream. */
  @Override
  public InputStream openBlob(String sha256) {
    Path path = blobPath(sha256);
    try {
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw new StoreException("blob " + sha256 + " is not in the store (" + path + ")", e);
    } catch (IOException e) {
      throw failure("cannot read blob", path, e);
    }
  }

  /** Returns the blob's file in the store when present; callers must only read it. */
  @Override
  public Optional<Path> localBlobPath(String sha256) {
    Path path = blobPath(sha256);
    return Files.isRegularFile(path, NOFOLLOW_LINKS) ? Optional.of(path) : Optional.empty();
  }

  /** The sorted names of the model directories that hold at least one version. */
  @Override
  public List<String> models() {
    List<String> names = new ArrayList<>();
    for (String name : list(models)) {
      if (Names.isModelName(name) && hasVersion(models.resolve(name).resolve("versions"))) {
        names.add(name);
      }
    }
    names.sort(null);
    return names;
  }

  /** The numbers of the {@code <n>.json} files of the model, ascending; other files are ignored. */
  @Override
  public List<Long> versions(String model) {
    List<Long> versions = new ArrayList<>();
    for (String name : list(modelDir(model).resolve("versions"))) {
      Names.versionOfManifestName(name).ifPresent(versions::add);
    }
    versions.sort(null);
    return versions;
  }

  /**
   * Creates the manifest file if it does not exist, atomically across threads and processes.
   *
   * @return true if this call created it, false if the version already existed
   */
  @Override
  public boolean createManifest(String model, long version, byte[] content) {
    Path target = manifestPath(model, version);
    requireContent(content, "manifest");
    // A cheap early answer; the link (or the check under the lock) below is what decides a race.
    if (Files.exists(target, NOFOLLOW_LINKS)) {
      return false;
    }
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      Path temp = writeTemp(dir, content);
      try {
        if (hardLinks) {
          try {
            // link(2) fails if the target exists, so exactly one creator wins, in any process.
            Files.createLink(target, temp);
          } catch (FileAlreadyExistsException e) {
            return false;
          }
          syncDirectory(dir);
          return true;
        }
        return withLock(modelDir(model).resolve(LOCK_FILE), () -> {
          if (Files.exists(target, NOFOLLOW_LINKS)) {
            return false;
          }
          Files.move(temp, target, ATOMIC_MOVE);
          syncDirectory(dir);
          return true;
        });
      } finally {
        deleteQuietly(temp);
      }
    } catch (IOException e) {
      throw failure("cannot create manifest", target, e);
    }
  }

  /** Reads the manifest file, or returns empty if there is none. */
  @Override
  public Optional<byte[]> readManifest(String model, long version) {
    return readIfPresent(manifestPath(model, version));
  }

  /** Deletes the manifest file; blobs stay. */
  @Override
  public boolean deleteManifest(String model, long version) {
    Path target = manifestPath(model, version);
    try {
      return Files.deleteIfExists(target);
    } catch (IOException e) {
      throw failure("cannot delete manifest", target, e);
    }
  }

  /** The sorted names of the model's {@code <alias>.json} files. */
  @Override
  public List<String> aliases(String model) {
    List<String> aliases = new ArrayList<>();
    for (String name : list(modelDir(model).resolve("aliases"))) {
      if (name.endsWith(JSON)) {
        String alias = name.substring(0, name.length() - JSON.length());
        if (Names.isAliasName(alias)) {
          aliases.add(alias);
        }
      }
    }
    aliases.sort(null);
    return aliases;
  }

  /** Reads the alias file; its etag is the hex SHA-256 of its content. */
  @Override
  public Optional<StoredDocument> readAlias(String model, String alias) {
    return readIfPresent(aliasPath(model, alias)).map(content -> new StoredDocument(content, etag(content)));
  }

  /**
   * Replaces (or, with a null {@code expectedEtag}, creates) the alias file if its content still has
   * that etag. Atomic across threads and processes.
   */
  @Override
  public boolean writeAlias(String model, String alias, byte[] content, String expectedEtag) {
    Path target = aliasPath(model, alias);
    requireContent(content, "alias record");
    Path dir = target.getParent();
    try {
      // Under contention most attempts lose; find that out before writing anything.
      if (!Objects.equals(currentEtag(target), expectedEtag)) {
        return false;
      }
      Files.createDirectories(dir);
      Path temp = writeTemp(dir, content);
      try {
        return withLock(dir.resolve(LOCK_FILE), () -> {
          if (!Objects.equals(currentEtag(target), expectedEtag)) {
            return false;
          }
          Files.move(temp, target, ATOMIC_MOVE);
          syncDirectory(dir);
          return true;
        });
      } finally {
        deleteQuietly(temp);
      }
    } catch (IOException e) {
      throw failure("cannot write alias", target, e);
    }
  }

  /**
   * Deletes the alias file if its content still has {@code expectedEtag}. Atomic across threads and
   * processes.
   *
   * @throws InvalidInputException if {@code expectedEtag} is null
   */
  @Override
  public boolean deleteAlias(String model, String alias, String expectedEtag) {
    Path target = aliasPath(model, alias);
    if (expectedEtag == null) {
      throw new InvalidInputException("deleting alias '" + alias + "' of '" + model + "' needs the etag read before");
    }
    Path dir = target.getParent();
    try {
      if (!expectedEtag.equals(currentEtag(target))) {
        return false;
      }
      return withLock(dir.resolve(LOCK_FILE), () -> {
        if (!expectedEtag.equals(currentEtag(target))) {
          return false;
        }
        Files.delete(target);
        syncDirectory(dir);
        return true;
      });
    } catch (IOException e) {
      throw failure("cannot delete alias", target, e);
    }
  }

  /** Does nothing: the store holds no open files or threads between calls. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "FileSystemModelStore[" + describe() + (hardLinks ? "" : ", lock-file manifests") + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Paths. Every entry point goes through these, so every name is validated before it is resolved.

  private Path blobPath(String sha256) {
    return blobs.resolve(Names.checkSha256(sha256));
  }

  private Path modelDir(String model) {
    return models.resolve(Names.checkModelName(model));
  }

  private Path manifestPath(String model, long version) {
    return modelDir(model).resolve("versions").resolve(Names.checkVersion(version) + JSON);
  }

  private Path aliasPath(String model, String alias) {
    Path aliases = modelDir(model).resolve("aliases");
    return aliases.resolve(Names.checkAliasName(alias) + JSON);
  }

  // ---------------------------------------------------------------------------------------------
  // File operations.

  private static List<String> list(Path dir) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        names.add(entry.getFileName().toString());
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    } catch (IOException e) {
      throw failure("cannot list", dir, e);
    }
    return names;
  }

  private static boolean hasVersion(Path versionsDir) {
    for (String name : list(versionsDir)) {
      if (Names.versionOfManifestName(name).isPresent()) {
        return true;
      }
    }
    return false;
  }

  private static Optional<byte[]> readIfPresent(Path file) {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot read", file, e);
    }
  }

  private static String currentEtag(Path file) {
    return readIfPresent(file).map(FileSystemModelStore::etag).orElse(null);
  }

  private static String etag(byte[] content) {
    return StoreFiles.hex(StoreFiles.sha256().digest(content));
  }

  private static Path writeTemp(Path dir, byte[] content) throws IOException {
    return writeTemp(dir, new ByteArrayInputStream(content), null);
  }

  /**
   * Writes {@code in} to a new temporary file in {@code dir} and forces it to disk, so that once the
   * file is moved or linked into place a crash cannot leave a visible name with missing content.
   */
  private static Path writeTemp(Path dir, InputStream in, MessageDigest digest) throws IOException {
    while (true) {
      Path temp = dir.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      FileChannel channel;
      try {
        channel = FileChannel.open(temp, CREATE_NEW, WRITE);
      } catch (FileAlreadyExistsException e) {
        continue;
      }
      try {
        try (channel) {
          byte[] buffer = new byte[COPY_BUFFER_BYTES];
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            if (digest != null) {
              digest.update(buffer, 0, n);
            }
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            while (chunk.hasRemaining()) {
              channel.write(chunk);
            }
          }
          channel.force(true);
        }
        return temp;
      } catch (IOException | RuntimeException | Error e) {
        deleteQuietly(temp);
        throw e;
      }
    }
  }

  /** Makes a rename or link in {@code dir} durable; best effort, since not every OS can open a directory. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.trace("cannot sync directory {}", dir, e);
    }
  }

  /** Probes once whether {@code dir}'s filesystem can hard-link, leaving nothing behind. */
  private static boolean supportsHardLinks(Path dir) {
    Path probe = null;
    Path link = null;
    try {
      probe = writeTemp(dir, new byte[0]);
      link = probe.resolveSibling(probe.getFileName() + "-link");
      Files.createLink(link, probe);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      // A read-only store lands here too; it never creates manifests, so the fallback costs nothing.
      LOG.warn("Cannot hard-link in {} ({}); manifests will be created under a lock file instead", dir, e.toString());
      return false;
    } finally {
      if (link != null) {
        deleteQuietly(link);
      }
      if (probe != null) {
        deleteQuietly(probe);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Locking.

  /** Runs {@code action} holding this JVM's lock for {@code lockFile}, then the file lock. */
  private static <T> T withLock(Path lockFile, FileLocks.IoAction<T> action) throws IOException {
    return FileLocks.withLock(JVM_LOCKS[Math.floorMod(lockFile.hashCode(), JVM_LOCKS.length)], lockFile, java.time.Duration.ofSeconds(30), action);
  }

  private static ReentrantLock[] newLocks(int count) {
    ReentrantLock[] locks = new ReentrantLock[count];
    for (int i = 0; i < count; i++) {
      locks[i] = new ReentrantLock();
    }
    return locks;
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers.

  private static void requireContent(byte[] content, String what) {
    if (content == null) {
      throw new InvalidInputException("the content of a " + what + " must not be null");
    }
  }
}
