package dev.maas.internal;

import dev.maas.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers. */
public final class Digests {
  private Digests() {}

  /** A new SHA-256 digest (every JDK has it). */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }

  /** The SHA-256 of a file as 64 lower-case hex digits. */
  public static String sha256(Path file) {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return hex(md.digest());
  }

  /** The SHA-256 of bytes as 64 lower-case hex digits. */
  public static String sha256(byte[] bytes) {
    return hex(sha256().digest(bytes));
  }

  /** Lower-case hex. */
  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
