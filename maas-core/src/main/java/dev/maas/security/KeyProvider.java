package dev.maas.security;

import java.util.Map;

/**
 * Holds the master keys that wrap the data keys of encrypted blobs, by alias. Each encrypted blob
 * gets a fresh AES-256 data key; the service asks the provider to wrap it under the deploy's key
 * alias and records the alias and the wrapped key in the manifest; loading asks the provider to
 * unwrap it again. Master keys need never leave the provider: a KMS-backed implementation wraps and
 * unwraps remotely.
 *
 * <p>Ships with {@link PKCS12KeyProvider} (a keystore file made by {@code keytool}) and {@link
 * #of(Map)} (keys in memory). Rotation: deploy new versions under a new alias and keep the old
 * alias in the provider while versions encrypted under it are in use.
 *
 * <p>Implementations must be thread-safe. They are called on deploy and on every load of an
 * encrypted version, never on the request path.
 */
public interface KeyProvider {

  /** Where the keys come from, for logs and messages, e.g. {@code pkcs12:/etc/maas/keys.p12}. Never a secret. */
  String describe();

  /** Whether a master key is held under {@code alias}. */
  boolean hasKey(String alias);

  /**
   * Wraps (encrypts and authenticates) a data key under the master key {@code alias}.
   *
   * @param alias the master key's alias
   * @param dataKey the data key's bytes; the caller clears them afterwards
   * @return the wrapped key, in a format of the provider's choosing that {@link #unwrapKey} reads
   * @throws IllegalArgumentException if there is no key under {@code alias}
   */
  byte[] wrapKey(String alias, byte[] dataKey);

  /**
   * Unwraps a data key that {@link #wrapKey} wrapped under {@code alias}.
   *
   * @return the data key's bytes; the caller clears them after use
   * @throws IllegalArgumentException if there is no key under {@code alias}
   * @throws dev.maas.IntegrityException if {@code wrappedKey} was not wrapped by that master key
   *     (a wrong key under that alias) or was altered
   */
  byte[] unwrapKey(String alias, byte[] wrappedKey);

  /**
   * A provider holding {@code keys} in memory: AES-256 secret keys by alias, which wrap data keys
   * with AES-GCM (a fresh nonce per wrap, the alias authenticated with it).
   *
   * @throws IllegalArgumentException if a key is not a 256-bit AES key or an alias is empty
   */
  static KeyProvider of(Map<String, javax.crypto.SecretKey> keys) {
    return new LocalKeyProvider("memory", keys, false);
  }
}
