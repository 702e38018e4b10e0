package dev.maas.spi;

import java.nio.file.Path;
import java.util.Optional;

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
   * Writes the whole blob into {@code target}, if the store has it and it is at most {@code
   * maxBytes} long, and returns the SHA-256 of the bytes written, computed from them, in order, as
   * they were written. It does not compare that digest with {@code sha256}: the caller does, before
   * it trusts the file. Nor does it force the file to disk.
   *
   * @param sha256 the blob's SHA-256 (64 lower-case hex digits)
   * @param target an existing, empty file that the caller owns; its content is undefined if this fails
   * @param maxBytes the largest blob to write; a larger one is left alone
   * @return empty if the store does not have the blob; otherwise its size and, if it was written,
   *     the digest of what was written
   * @throws dev.maas.StoreException if the blob cannot be read
   */
  Optional<Fetched> fetchBlob(String sha256, Path target, long maxBytes);

  /**
   * What {@link #fetchBlob} found.
   *
   * @param size the blob's size in bytes
   * @param sha256 the SHA-256 of what was written (64 lower-case hex digits), or null if nothing
   *     was written because the blob is larger than the caller's bound
   */
  record Fetched(long size, String sha256) {
    /** Whether the blob was written into the target file. */
    public boolean written() {
      return sha256 != null;
    }
  }
}
