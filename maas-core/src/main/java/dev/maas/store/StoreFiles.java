package dev.maas.store;

import dev.maas.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small file helpers shared by the filesystem store and the cache. */
final class StoreFiles {
  private static final Logger LOG = LoggerFactory.getLogger(StoreFiles.class);
  private static final HexFormat HEX = HexFormat.of();

  private StoreFiles() {}

  /** A new SHA-256 digest (every JDK has it). */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Lower-case hex of a digest. */
  static String hex(byte[] digest) {
    return HEX.formatHex(digest);
  }

  /** Deletes a temporary file if it exists; a failure is logged, never thrown (listings skip temp files). */
  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete temporary file {}: {}", file, e.toString());
    }
  }

  /** A store failure naming what was being done, the path and the cause. */
  static StoreException failure(String what, Path path, IOException cause) {
    return new StoreException(
        what + " " + path + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
  }
}
