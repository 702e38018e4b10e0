package dev.maas.version;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The signature of a manifest: which key signed it, with which algorithm, and the signature itself.
 * It covers every other field of the manifest (digests, sizes, model name, version number,
 * encryption parameters, signature, labels...) in a canonical serialization, so that a manifest
 * altered after signing, replayed under another version number or swapped with another version's
 * fails verification. A service configured with trusted keys refuses manifests without one.
 *
 * @param keyId the id of the signing key among the verifier's trusted keys (rotation: sign new
 *     versions with a new key id, keep trusting the old one while its versions are in use)
 * @param algorithm the signature algorithm; {@value #ED25519} is the only one this release writes
 *     and accepts
 * @param value the signature bytes, base64
 */
public record ManifestSignature(String keyId, String algorithm, String value) {
  /** The algorithm name of Ed25519 signatures. */
  public static final String ED25519 = "Ed25519";

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if the key id is not 1 to 128 letters, digits, '.', '_', ':'
   *     or '-', or a part is empty
   */
  public ManifestSignature {
    checkKeyId(keyId);
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(value, "value");
    if (algorithm.isEmpty() || value.isEmpty()) {
      throw new IllegalArgumentException("a manifest signature needs an algorithm and a value");
    }
  }

  /**
   * Returns {@code keyId} if it is a valid key id: 1 to 128 letters, digits, '.', '_', ':' or '-'.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String checkKeyId(String keyId) {
    if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
      throw new IllegalArgumentException("key id '" + keyId + "' is invalid: use 1 to 128 letters, digits, '.', '_', ':' or '-'");
    }
    return keyId;
  }
}
