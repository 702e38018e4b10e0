package dev.maas.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A blob as a file on local disk, as handed out by {@link ModelStore#localBlob}, and whether the
 * store vouches for its content.
 *
 * <p>{@code verified} true is a promise by the store: it computed the SHA-256 of this very file
 * (while writing it, or by reading it back), found the blob's digest, and has checked since, by its
 * own means, that the file has not changed. The service then loads the file without hashing it
 * again. A store that cannot keep that promise hands its files out unverified (the default), and the
 * service hashes every byte it loads. What a store's promise rests on, and what it does not catch,
 * is the store's to document (see {@link dev.maas.store.CachingModelStore}).
 *
 * @param path the file; the caller may read it, never write it
 * @param verified whether the store vouches that the file's content has the blob's SHA-256
 */
public record LocalBlob(Path path, boolean verified) {
  /** Validates that the path is present. */
  public LocalBlob {
    Objects.requireNonNull(path, "path");
  }

  /** A file whose content the caller must verify itself. */
  public static LocalBlob unverified(Path path) {
    return new LocalBlob(path, false);
  }

  /** A file the store has verified and vouches for. */
  public static LocalBlob verified(Path path) {
    return new LocalBlob(path, true);
  }
}
