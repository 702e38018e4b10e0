package dev.maas.spi;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * An optional capability of a {@link ModelStore}: writing a blob straight into a local file, faster
 * than copying the stream of {@link ModelStore#openBlob} (a remote store can fetch ranges in
 * parallel and write each one in place). A wrapper that fills local files, such as {@link
 * dev.maas.store.CachingModelStore}, uses it when the store it wraps implements it, and falls back
 * to {@code openBlob} otherwise.
 *
 * <p>Implementations are thread-safe, like the store itself.
 */
public interface BlobFetcher {
  /**
   * The size of a blob, without reading it.
   *
   * @param sha256 the blob's SHA-256 (64 lower-case hex digits)
   * @return its size in bytes, or empty if the store does not have it
   * @throws dev.maas.StoreException if the store cannot be reached
   */
  OptionalLong blobSize(String sha256);

  /**
   * Writes the whole blob into {@code target} and returns the SHA-256 of the bytes written,
   * computed from them, in order, as they were written. It does not compare that digest with
   * {@code sha256}: the caller does, before it trusts the file. Nor does it force the file to disk.
   *
   * @param sha256 the blob's SHA-256 (64 lower-case hex digits)
   * @param target an existing, empty file that the caller owns; its content is undefined if this fails
   * @return the SHA-256, in 64 lower-case hex digits, of what was written
   * @throws dev.maas.StoreException if the blob is absent or cannot be read
   */
  String fetchBlob(String sha256, Path target);
}
