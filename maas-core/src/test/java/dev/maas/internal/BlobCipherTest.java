package dev.maas.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.IntegrityException;
import dev.maas.ModelLoadException;
import dev.maas.security.KeyProvider;
import dev.maas.testing.Fuzzing;
import dev.maas.version.BlobEncryption;
import dev.maas.version.ModelVersion;
import java.util.Base64;
import java.util.Map;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/** Blob encryption: round-trips; any altered ciphertext, nonce or wrapped key, or a wrong key, fails clearly. */
@AddLifecycleHook(Fuzzing.class)
class BlobCipherTest {
  private static final ModelVersion V = new ModelVersion("m", 1);
  private static final KeyProvider KEYS = KeyProvider.of(Map.of("k", aes()));
  private static final byte[] PLAIN = new byte[777];
  private static final BlobCipher.Sealed SEALED;

  static {
    new java.util.Random(7).nextBytes(PLAIN);
    SEALED = BlobCipher.encrypt(PLAIN, KEYS, "k");
  }

  static SecretKey aes() {
    try {
      KeyGenerator g = KeyGenerator.getInstance("AES");
      g.init(256);
      return g.generateKey();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static BlobEncryption with(String wrappedKey, String iv, long size) {
    BlobEncryption e = SEALED.encryption();
    return new BlobEncryption(e.algorithm(), e.keyAlias(), wrappedKey, iv, size);
  }

  @Example
  void roundTripsWithAFreshKeyAndNoncePerBlob() {
    assertArrayEquals(PLAIN, BlobCipher.decrypt(V, SEALED.ciphertext(), SEALED.encryption(), KEYS));
    assertEquals(PLAIN.length + 16, SEALED.ciphertext().length);
    assertEquals(PLAIN.length, SEALED.encryption().plaintextSize());
    BlobCipher.Sealed again = BlobCipher.encrypt(PLAIN, KEYS, "k");
    assertFalse(java.util.Arrays.equals(SEALED.ciphertext(), again.ciphertext()));
    assertFalse(SEALED.encryption().wrappedKey().equals(again.encryption().wrappedKey()));
    BlobCipher.Sealed empty = BlobCipher.encrypt(new byte[0], KEYS, "k");
    assertArrayEquals(new byte[0], BlobCipher.decrypt(V, empty.ciphertext(), empty.encryption(), KEYS));
  }

  @Example
  void aMissingProviderKeyOrCipherFailsToLoadClearly() {
    assertTrue(assertThrows(ModelLoadException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(), SEALED.encryption(),
        null)).getMessage().contains("no key provider"));
    KeyProvider none = KeyProvider.of(Map.of("other", aes()));
    assertTrue(assertThrows(ModelLoadException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(), SEALED.encryption(),
        none)).getMessage().contains("does not hold"));
    BlobEncryption e = SEALED.encryption();
    BlobEncryption cbc = new BlobEncryption("AES-256-CBC", e.keyAlias(), e.wrappedKey(), e.iv(), e.plaintextSize());
    assertThrows(ModelLoadException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(), cbc, KEYS));
  }

  @Example
  void aWrongMasterKeyUnderTheSameAliasFailsAsIntegrity() {
    KeyProvider wrong = KeyProvider.of(Map.of("k", aes()));
    String msg = assertThrows(IntegrityException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(),
        SEALED.encryption(), wrong)).getMessage();
    assertTrue(msg.startsWith("m:1: ") && msg.contains("not the one that wrapped it"), msg);
  }

  @Example
  void aWrongRecordedSizeIsRefused() {
    BlobEncryption e = SEALED.encryption();
    assertThrows(IntegrityException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(),
        with(e.wrappedKey(), e.iv(), e.plaintextSize() + 1), KEYS));
  }

  @Provide
  Arbitrary<Integer> ciphertextBits() {
    return Arbitraries.integers().between(0, SEALED.ciphertext().length * 8 - 1);
  }

  /** Any flipped bit of the ciphertext, tag included, fails authentication. */
  @Property(tries = 3_000)
  void anyChangeToTheCiphertextIsRefused(@ForAll("ciphertextBits") int bit) {
    byte[] c = SEALED.ciphertext().clone();
    c[bit / 8] ^= (byte) (1 << (bit % 8));
    assertTrue(assertThrows(IntegrityException.class, () -> BlobCipher.decrypt(V, c, SEALED.encryption(), KEYS))
        .getMessage().contains("does not authenticate"));
  }

  /** Any flipped bit of the nonce fails authentication (all 96, enumerated). */
  @Property(tries = 200)
  void anyChangeToTheNonceIsRefused(@ForAll @IntRange(min = 0, max = 95) int bit) {
    byte[] iv = SEALED.encryption().ivBytes();
    iv[bit / 8] ^= (byte) (1 << (bit % 8));
    BlobEncryption e = with(SEALED.encryption().wrappedKey(), Base64.getEncoder().encodeToString(iv),
        SEALED.encryption().plaintextSize());
    assertThrows(IntegrityException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(), e, KEYS));
  }

  /** Any flipped bit of the wrapped key fails its unwrapping (all of them, enumerated). */
  @Property(tries = 1_000)
  void anyChangeToTheWrappedKeyIsRefused(@ForAll @IntRange(min = 0, max = 61 * 8 - 1) int bit) {
    byte[] w = SEALED.encryption().wrappedKeyBytes();
    w[bit / 8] ^= (byte) (1 << (bit % 8));
    BlobEncryption e = with(Base64.getEncoder().encodeToString(w), SEALED.encryption().iv(),
        SEALED.encryption().plaintextSize());
    assertThrows(IntegrityException.class, () -> BlobCipher.decrypt(V, SEALED.ciphertext(), e, KEYS));
  }
}
