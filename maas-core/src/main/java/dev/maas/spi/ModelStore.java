package dev.maas.spi;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where model versions live: content-addressed blobs, one immutable manifest per version, and
 * mutable alias records. Implementations: {@link dev.maas.store.FileSystemModelStore} (the embedded
 * default) and the S3 store; every implementation passes {@code ModelStoreContractTest} from
 * maas-core's test jar.
 *
 * <p>The store moves bytes and knows no JSON: manifests and aliases are opaque documents that the
 * service serializes. Layout (the same on every backend):
 * <pre>
 * blobs/sha256/&lt;hex&gt;                  model files, content-addressed
 * models/&lt;name&gt;/versions/&lt;n&gt;.json     one manifest per version, written once
 * models/&lt;name&gt;/aliases/&lt;alias&gt;.json  alias record, replaced by compare-and-set
 * </pre>
 *
 * <p><b>Contract.</b> Implementations are thread-safe and safe for several processes sharing the
 * same backing storage. A reader never sees a partly written blob, manifest or alias. Blob writes are
 * idempotent. {@link #createManifest} creates only if absent, so two deployers never overwrite each
 * other; {@link #writeAlias} is compare-and-set on the {@link StoredDocument#etag()} read before.
 * Names passed in are validated with {@link dev.maas.Names}; implementations validate again so a
 * direct caller cannot escape the layout. Failures of the backing storage are {@link
 * dev.maas.StoreException}s (retryable).
 */
public interface ModelStore extends AutoCloseable {

  /** Where this store points, for logs and messages, e.g. {@code file:/var/models}. Never a secret. */
  String describe();

  /** Whether a blob with this SHA-256 (64 lower-case hex digits) is present. */
  boolean hasBlob(String sha256);

  /**
   * Stores the content of {@code file} under its SHA-256. The implementation checks the digest of
   * what it stored against {@code sha256} before the blob becomes visible, and throws {@link
   * dev.maas.IntegrityException} on a mismatch. Storing a blob that is already present is a no-op.
   */
  void putBlob(String sha256, Path file);

  /**
   * Opens a blob for reading. The caller closes the stream and verifies the digest of what it read.
   *
   * @throws dev.maas.StoreException if the blob is absent or cannot be read
   */
  InputStream openBlob(String sha256);

  /**
   * The blob as a file on local disk that the caller may read (never write), when the store has
   * one; lets a local store hand a model to a runtime without copying it. Empty by default.
   */
  default Optional<Path> localBlobPath(String sha256) {
    dev.maas.Names.checkSha256(sha256);
    return Optional.empty();
  }

  /**
   * The blob as a file on local disk, like {@link #localBlobPath}, with whether the store vouches
   * that the file's content has this SHA-256 ({@link LocalBlob#verified()}); a verified blob is loaded
   * without being hashed again. By default the path of {@link #localBlobPath}, unverified: override
   * it only in a store that keeps the promise {@link LocalBlob} describes.
   */
  default Optional<LocalBlob> localBlob(String sha256) {
    return localBlobPath(sha256).map(LocalBlob::unverified);
  }

  /** The names of all models that have at least one version, sorted. */
  List<String> models();

  /** The version numbers of {@code model}, ascending; empty when the model has none. */
  List<Long> versions(String model);

  /**
   * Writes the manifest of a new version if, and only if, none exists for that number.
   *
   * @return true if this call created it, false if that version already existed (nothing written)
   */
  boolean createManifest(String model, long version, byte[] content);

  /** The manifest of one version, or empty if there is none. */
  Optional<byte[]> readManifest(String model, long version);

  /**
   * Removes a version's manifest (its blobs stay: they may be shared).
   *
   * @return true if a manifest was removed
   */
  boolean deleteManifest(String model, long version);

  /** The alias names of {@code model}, sorted. */
  List<String> aliases(String model);

  /** An alias record with the etag to pass to {@link #writeAlias}, or empty if the alias is unset. */
  Optional<StoredDocument> readAlias(String model, String alias);

  /**
   * Replaces an alias record if its current etag is {@code expectedEtag}, or creates it if {@code
   * expectedEtag} is null and the alias does not exist.
   *
   * @return true if written; false if another writer changed the alias first (nothing written)
   */
  boolean writeAlias(String model, String alias, byte[] content, String expectedEtag);

  /**
   * Removes an alias if its current etag is {@code expectedEtag}.
   *
   * @return true if removed; false if it was absent or changed by another writer
   */
  boolean deleteAlias(String model, String alias, String expectedEtag);

  /** Releases what the store created (clients, file handles); never what it was given. Idempotent. */
  @Override
  default void close() {}
}
