package dev.maas.version;

import java.util.Base64;
import java.util.Objects;

/**
 * How a stored blob is encrypted: AES-256-GCM under a fresh data key per blob, the data key wrapped
 * by a master key that a {@link dev.maas.security.KeyProvider} holds under {@code keyAlias}. The
 * blob's {@link BlobRef#sha256() digest} and {@link BlobRef#size() size} are those of the stored
 * ciphertext (GCM tag included); {@link #plaintextSize()} is the model's own size.
 *
 * @param algorithm the cipher; {@value #AES_256_GCM} is the only one this release writes and reads
 * @param keyAlias the alias of the master key that wrapped the data key
 * @param wrappedKey the data key wrapped by the master key, base64 (its format is the key
 *     provider's)
 * @param iv the 12-byte GCM nonce of the blob, base64
 * @param plaintextSize the size of the decrypted model in bytes
 */
public record BlobEncryption(String algorithm, String keyAlias, String wrappedKey, String iv, long plaintextSize) {
  /** The one cipher of this release: AES with a 256-bit key in GCM mode, 12-byte nonce, 16-byte tag. */
  public static final String AES_256_GCM = "AES-256-GCM";

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if a part is missing, not base64, the nonce is not 12 bytes,
   *     or the size is negative
   */
  public BlobEncryption {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keyAlias, "keyAlias");
    Objects.requireNonNull(wrappedKey, "wrappedKey");
    Objects.requireNonNull(iv, "iv");
    if (keyAlias.isEmpty()) {
      throw new IllegalArgumentException("the key alias of an encrypted blob must not be empty");
    }
    if (decode("wrappedKey", wrappedKey).length == 0) {
      throw new IllegalArgumentException("the wrapped key of an encrypted blob must not be empty");
    }
    if (decode("iv", iv).length != 12) {
      throw new IllegalArgumentException("the iv of an encrypted blob must be 12 bytes");
    }
    if (plaintextSize < 0) {
      throw new IllegalArgumentException("plaintextSize must be >= 0");
    }
  }

  /** The wrapped data key's bytes. */
  public byte[] wrappedKeyBytes() {
    return Base64.getDecoder().decode(wrappedKey);
  }

  /** The nonce's bytes. */
  public byte[] ivBytes() {
    return Base64.getDecoder().decode(iv);
  }

  private static byte[] decode(String what, String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " of an encrypted blob is not base64", e);
    }
  }
}
