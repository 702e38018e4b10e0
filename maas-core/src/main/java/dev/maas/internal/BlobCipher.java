package dev.maas.internal;

import dev.maas.IntegrityException;
import dev.maas.LimitExceededException;
import dev.maas.ModelLoadException;
import dev.maas.security.KeyProvider;
import dev.maas.version.BlobEncryption;
import dev.maas.version.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts blobs at rest: AES-256-GCM under a fresh random data key per blob, a fresh 12-byte
 * nonce, a 16-byte tag, the data key wrapped by a {@link KeyProvider} master key. Everything happens
 * in memory: the plaintext is never written anywhere, so an encrypted model must fit a Java byte
 * array together with its tag ({@link #MAX_PLAINTEXT_BYTES}, just under 2 GiB).
 */
final class BlobCipher {
  /** The largest model that can be encrypted: a byte array holds at most about 2^31 bytes, the tag included. */
  static final long MAX_PLAINTEXT_BYTES = Integer.MAX_VALUE - 8 - 16;
  static final String LIMIT_NAME = "maxEncryptedModelBytes";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] AAD = "maas-blob-v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A sealed blob and what the manifest records about it. */
  record Sealed(byte[] ciphertext, BlobEncryption encryption) {}

  private BlobCipher() {}

  /** Encrypts {@code plaintext} under a fresh data key wrapped by master key {@code alias}. */
  static Sealed encrypt(byte[] plaintext, KeyProvider keys, String alias) {
    if (plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw new LimitExceededException(LIMIT_NAME, MAX_PLAINTEXT_BYTES, plaintext.length, "a model to encrypt");
    }
    byte[] dataKey = new byte[KEY_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(dataKey);
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(AAD);
      byte[] ciphertext = c.doFinal(plaintext);
      byte[] wrapped = keys.wrapKey(alias, dataKey);
      Base64.Encoder b64 = Base64.getEncoder();
      return new Sealed(ciphertext, new BlobEncryption(BlobEncryption.AES_256_GCM, alias, b64.encodeToString(wrapped),
          b64.encodeToString(nonce), plaintext.length));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /**
   * Decrypts the blob of {@code v}, whose digest was checked already.
   *
   * @throws ModelLoadException if the service has no key provider, the provider lacks the key, or
   *     the cipher is unknown
   * @throws IntegrityException if the wrapped key or the ciphertext does not authenticate (a wrong
   *     master key under that alias, or altered bytes)
   */
  static byte[] decrypt(ModelVersion v, byte[] ciphertext, BlobEncryption enc, KeyProvider keys) {
    if (!BlobEncryption.AES_256_GCM.equals(enc.algorithm())) {
      throw new ModelLoadException(v + " is encrypted with " + enc.algorithm() + ", which this release cannot decrypt");
    }
    if (keys == null) {
      throw new ModelLoadException(v + " is encrypted under master key '" + enc.keyAlias()
          + "', but this service has no key provider (ModelService.Builder.keyProvider)");
    }
    if (!keys.hasKey(enc.keyAlias())) {
      throw new ModelLoadException(v + " is encrypted under master key '" + enc.keyAlias() + "', which "
          + keys.describe() + " does not hold");
    }
    byte[] dataKey;
    try {
      dataKey = keys.unwrapKey(enc.keyAlias(), enc.wrappedKeyBytes());
    } catch (IntegrityException e) {
      throw new IntegrityException(v + ": " + e.getMessage(), e);
    }
    try {
      if (dataKey == null || dataKey.length != KEY_BYTES) {
        throw new IntegrityException(v + ": the unwrapped data key is not a 256-bit key");
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(TAG_BITS, enc.ivBytes()));
      c.updateAAD(AAD);
      byte[] plaintext = c.doFinal(ciphertext);
      if (plaintext.length != enc.plaintextSize()) {
        throw new IntegrityException(v + ": the decrypted model is " + plaintext.length + " bytes, the manifest says "
            + enc.plaintextSize());
      }
      return plaintext;
    } catch (AEADBadTagException e) {
      throw new IntegrityException(v + ": the encrypted model does not authenticate (AES-GCM tag mismatch): its"
          + " ciphertext, nonce or wrapped key was altered; the version is not loaded", e);
    } catch (GeneralSecurityException e) {
      throw new IntegrityException(v + ": cannot decrypt the model: " + e.getMessage(), e);
    } finally {
      if (dataKey != null) {
        Arrays.fill(dataKey, (byte) 0);
      }
    }
  }
}
