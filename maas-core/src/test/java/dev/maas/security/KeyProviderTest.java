package dev.maas.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.testing.Fuzzing;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/** Master keys: wrapping round-trips, a wrong or altered key never unwraps, and keystores load as keytool makes them. */
@AddLifecycleHook(Fuzzing.class)
class KeyProviderTest {
  private static final byte[] DATA_KEY = new byte[32];
  private static final SecretKey K1 = aes(256);
  private static final SecretKey K2 = aes(256);
  private static final KeyProvider KEYS = KeyProvider.of(Map.of("k1", K1, "k1-copy", K1));
  private static final byte[] WRAPPED;

  static {
    for (int i = 0; i < 32; i++) {
      DATA_KEY[i] = (byte) (i * 7 + 1);
    }
    WRAPPED = KEYS.wrapKey("k1", DATA_KEY);
  }

  static SecretKey aes(int bits) {
    try {
      KeyGenerator g = KeyGenerator.getInstance("AES");
      g.init(bits);
      return g.generateKey();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Example
  void wrapsAndUnwraps() {
    assertArrayEquals(DATA_KEY, KEYS.unwrapKey("k1", WRAPPED));
    assertFalse(java.util.Arrays.equals(WRAPPED, KEYS.wrapKey("k1", DATA_KEY)), "a fresh nonce per wrap");
    assertTrue(KEYS.hasKey("k1"));
    assertFalse(KEYS.hasKey("K1"), "in-memory aliases are exact");
    assertFalse(KEYS.hasKey(null));
  }

  @Example
  void aWrongKeyOrAnotherAliasNeverUnwraps() {
    KeyProvider other = KeyProvider.of(Map.of("k1", K2));
    assertTrue(assertThrows(IntegrityException.class, () -> other.unwrapKey("k1", WRAPPED)).getMessage()
        .contains("not the one that wrapped it"));
    // the same key material under another alias: the alias is authenticated with the key
    assertThrows(IntegrityException.class, () -> KEYS.unwrapKey("k1-copy", WRAPPED));
    assertThrows(IntegrityException.class, () -> KEYS.unwrapKey("k1", new byte[5]));
    assertThrows(IllegalArgumentException.class, () -> KEYS.unwrapKey("absent", WRAPPED));
    assertThrows(IllegalArgumentException.class, () -> KEYS.wrapKey("absent", DATA_KEY));
  }

  @Example
  void onlyAes256KeysAreMasterKeys() {
    assertThrows(IllegalArgumentException.class, () -> KeyProvider.of(Map.of("short", aes(128))));
    assertThrows(IllegalArgumentException.class, () -> KeyProvider.of(Map.of("hmac", new SecretKeySpec(new byte[32], "HmacSHA256"))));
    assertThrows(IllegalArgumentException.class, () -> KeyProvider.of(Map.of("", K1)));
  }

  /** Every single-bit change of a wrapped key is refused (jqwik enumerates all of them). */
  @Property(tries = 1_000)
  void anyChangeToAWrappedKeyIsRefused(@ForAll @IntRange(min = 0, max = 60 * 8 - 1) int bit) {
    byte[] w = WRAPPED.clone();
    w[bit / 8] ^= (byte) (1 << (bit % 8));
    assertThrows(IntegrityException.class, () -> KEYS.unwrapKey("k1", w));
  }

  // ------------------------------------------------------------------ PKCS#12

  @Example
  void readsTheAes256KeysOfAKeystore() throws Exception {
    Path file = Files.createTempFile("keys", ".p12");
    try {
      char[] pw = "secret".toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, pw);
      KeyStore.ProtectionParameter p = new KeyStore.PasswordProtection(pw);
      ks.setEntry("Models-2026", new KeyStore.SecretKeyEntry(K1), p);
      ks.setEntry("legacy-128", new KeyStore.SecretKeyEntry(aes(128)), p);
      try (OutputStream out = Files.newOutputStream(file)) {
        ks.store(out, pw);
      }
      PKCS12KeyProvider keys = PKCS12KeyProvider.open(file, pw);
      assertEquals(Set.of("models-2026"), keys.aliases(), "AES-128 entries are ignored; aliases as PKCS#12 keeps them");
      assertTrue(keys.hasKey("Models-2026") && keys.hasKey("models-2026"), "aliases are case-insensitive");
      byte[] w = keys.wrapKey("Models-2026", DATA_KEY);
      assertArrayEquals(DATA_KEY, keys.unwrapKey("models-2026", w));
      assertTrue(keys.describe().startsWith("pkcs12:"));
      assertThrows(InvalidInputException.class, () -> PKCS12KeyProvider.open(file, "wrong".toCharArray()));
      Files.writeString(file, "not a keystore");
      assertThrows(InvalidInputException.class, () -> PKCS12KeyProvider.open(file, pw));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The documented keytool command makes a keystore this provider reads. */
  @Example
  void readsAKeystoreMadeByKeytool() throws Exception {
    Path dir = Files.createTempDirectory("keytool");
    Path file = dir.resolve("maas-keys.p12");
    try {
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      Process p = new ProcessBuilder(keytool.toString(), "-genseckey", "-alias", "models-2026", "-keyalg", "AES",
          "-keysize", "256", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", "changeit")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool hung");
      assertEquals(0, p.exitValue(), out);
      PKCS12KeyProvider keys = PKCS12KeyProvider.open(file, "changeit".toCharArray());
      assertEquals(Set.of("models-2026"), keys.aliases());
      assertArrayEquals(DATA_KEY, keys.unwrapKey("models-2026", keys.wrapKey("models-2026", DATA_KEY)));
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }
}
