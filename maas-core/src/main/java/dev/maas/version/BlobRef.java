package dev.maas.version;

import dev.maas.Names;
import java.util.Objects;

/**
 * One file of a model version, stored content-addressed.
 *
 * @param role what the file is to the runtime ({@code "model"} for the main model file)
 * @param fileName the file's original name, for people and for runtimes that need an extension
 * @param sha256 the SHA-256 of the stored bytes, 64 lower-case hex digits
 * @param size the size in bytes
 * @param encryption how the stored bytes are encrypted, or null when they are the file itself
 */
public record BlobRef(String role, String fileName, String sha256, long size, BlobEncryption encryption) {
  /** The role of a version's main model file. */
  public static final String MODEL = "model";

  /** Validates the digest and size. */
  public BlobRef {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(fileName, "fileName");
    Names.checkSha256(sha256);
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0");
    }
  }

  /** A blob stored as is, unencrypted. */
  public BlobRef(String role, String fileName, String sha256, long size) {
    this(role, fileName, sha256, size, null);
  }
}
