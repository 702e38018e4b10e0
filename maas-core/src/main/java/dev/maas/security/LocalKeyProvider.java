package dev.maas.security;

import dev.maas.IntegrityException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Master keys held in memory, wrapping data keys with AES-GCM. Wrapped key format: a version byte
 * (1), the 12-byte nonce, then the ciphertext with its 16-byte tag; the alias is authenticated as
 * associated data, so a key wrapped under one alias never unwraps under another.
 */
final class LocalKeyProvider implements KeyProvider {
  private static final byte FORMAT = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String description;
  private final Map<String, SecretKey> keys;
  private final boolean caseInsensitive;

  LocalKeyProvider(String description, Map<String, SecretKey> keys, boolean caseInsensitive) {
    this.description = Objects.requireNonNull(description, "description");
    this.caseInsensitive = caseInsensitive;
    Map<String, SecretKey> copy = new TreeMap<>();
    for (Map.Entry<String, SecretKey> e : keys.entrySet()) {
      String alias = Objects.requireNonNull(e.getKey(), "alias");
      if (alias.isEmpty()) {
        throw new IllegalArgumentException("a key alias must not be empty");
      }
      copy.put(normalize(alias), checkAes256(alias, e.getValue()));
    }
    this.keys = Map.copyOf(copy);
  }

  static SecretKey checkAes256(String alias, SecretKey key) {
    Objects.requireNonNull(key, "key");
    byte[] encoded = key.getEncoded();
    if (!"AES".equalsIgnoreCase(key.getAlgorithm()) || encoded == null || encoded.length != 32) {
      throw new IllegalArgumentException("master key '" + alias + "' must be a 256-bit AES key, not "
          + key.getAlgorithm() + " of " + (encoded == null ? "unknown" : encoded.length * 8) + " bits");
    }
    SecretKey copy = new SecretKeySpec(encoded, "AES");
    Arrays.fill(encoded, (byte) 0);
    return copy;
  }

  private String normalize(String alias) {
    return caseInsensitive ? alias.toLowerCase(Locale.ROOT) : alias;
  }

  /** The aliases held, sorted (lower-cased when aliases are case-insensitive). */
  java.util.Set<String> aliases() {
    return new java.util.TreeSet<>(keys.keySet());
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public boolean hasKey(String alias) {
    return alias != null && keys.containsKey(normalize(alias));
  }

  private SecretKey key(String alias) {
    SecretKey k = alias == null ? null : keys.get(normalize(alias));
    if (k == null) {
      throw new IllegalArgumentException("no master key '" + alias + "' in " + description);
    }
    return k;
  }

  @Override
  public byte[] wrapKey(String alias, byte[] dataKey) {
    Objects.requireNonNull(dataKey, "dataKey");
    SecretKey k = key(alias);
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(alias));
      byte[] sealed = c.doFinal(dataKey);
      byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
      out[0] = FORMAT;
      System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  @Override
  public byte[] unwrapKey(String alias, byte[] wrappedKey) {
    Objects.requireNonNull(wrappedKey, "wrappedKey");
    SecretKey k = key(alias);
    if (wrappedKey.length < 1 + NONCE_BYTES + TAG_BITS / 8 || wrappedKey[0] != FORMAT) {
      throw new IntegrityException("the wrapped data key is not one that " + description + " wrapped under '"
          + alias + "' (unknown format or truncated)");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, wrappedKey, 1, NONCE_BYTES));
      c.updateAAD(aad(alias));
      return c.doFinal(wrappedKey, 1 + NONCE_BYTES, wrappedKey.length - 1 - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new IntegrityException("cannot unwrap the data key with master key '" + alias + "' of " + description
          + ": the key under that alias is not the one that wrapped it, or the wrapped key was altered", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  private byte[] aad(String alias) {
    return ("maas-key-v1:" + normalize(alias)).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "KeyProvider(" + description + ", " + keys.size() + " keys)";
  }
}
