package dev.maas.security;

import dev.maas.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Master keys from a PKCS#12 keystore file: every AES-256 secret key entry, by alias, such as
 * {@code keytool} makes:
 * <pre>
 * keytool -genseckey -alias models-2026 -keyalg AES -keysize 256 \
 *     -storetype PKCS12 -keystore maas-keys.p12
 * </pre>
 * <pre>{@code
 * KeyProvider keys = PKCS12KeyProvider.open(Path.of("maas-keys.p12"), password);
 * ModelService.builder().keyProvider(keys) ...
 * maas.deploy("fraud", file, DeployOptions.defaults().withEncryption("models-2026"));
 * }</pre>
 *
 * <p>The keys are read once, when opened; open the file again to see keys added later. Aliases are
 * case-insensitive, as PKCS#12 keeps them. Entries that are not AES-256 secret keys (certificates,
 * private keys, other secret keys) are ignored. Data keys are wrapped with AES-GCM, the alias
 * authenticated with them. Thread-safe.
 */
public final class PKCS12KeyProvider implements KeyProvider {
  private static final Logger LOG = LoggerFactory.getLogger(PKCS12KeyProvider.class);

  private final LocalKeyProvider keys;

  private PKCS12KeyProvider(LocalKeyProvider keys) {
    this.keys = keys;
  }

  /**
   * Reads the AES-256 secret keys of a PKCS#12 keystore protected by {@code password} (the store's
   * and the entries' password, the same as {@code keytool} sets for PKCS#12). The password is not
   * kept; the caller may clear its array afterwards.
   *
   * @throws InvalidInputException if the file cannot be read, is not PKCS#12, or the password is wrong
   */
  public static PKCS12KeyProvider open(Path keystore, char[] password) {
    Objects.requireNonNull(keystore, "keystore");
    Objects.requireNonNull(password, "password");
    KeyStore ks;
    try (InputStream in = Files.newInputStream(keystore)) {
      ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException("cannot open PKCS#12 keystore " + keystore + " (wrong password, or not a"
          + " PKCS#12 file?): " + e.getMessage(), e);
    }
    Map<String, SecretKey> found = new HashMap<>();
    try {
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
          continue;
        }
        Key k = ks.getKey(alias, password);
        byte[] encoded = k == null ? null : k.getEncoded();
        if (k instanceof SecretKey && "AES".equalsIgnoreCase(k.getAlgorithm()) && encoded != null && encoded.length == 32) {
          found.put(alias, (SecretKey) k);
        } else {
          LOG.debug("ignoring entry '{}' of {}: not an AES-256 secret key", alias, keystore);
        }
        if (encoded != null) {
          java.util.Arrays.fill(encoded, (byte) 0);
        }
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("cannot read the keys of PKCS#12 keystore " + keystore + ": " + e.getMessage(), e);
    }
    return new PKCS12KeyProvider(new LocalKeyProvider("pkcs12:" + keystore.toAbsolutePath(), found, true));
  }

  /** The aliases of the AES-256 keys read, lower-cased, sorted. */
  public Set<String> aliases() {
    return keys.aliases();
  }

  @Override
  public String describe() {
    return keys.describe();
  }

  @Override
  public boolean hasKey(String alias) {
    return keys.hasKey(alias);
  }

  @Override
  public byte[] wrapKey(String alias, byte[] dataKey) {
    return keys.wrapKey(alias, dataKey);
  }

  @Override
  public byte[] unwrapKey(String alias, byte[] wrappedKey) {
    return keys.unwrapKey(alias, wrappedKey);
  }

  @Override
  public String toString() {
    return "PKCS12KeyProvider(" + keys.describe() + ", " + keys.aliases().size() + " keys)";
  }
}
