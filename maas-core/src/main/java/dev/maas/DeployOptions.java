package dev.maas;

import dev.maas.batch.BatchingPolicy;
import dev.maas.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of one deploy: labels to record in the manifest, an alias to point at the new version,
 * who deploys, and batching defaults. Immutable and thread-safe; derive variants with the {@code with...} methods.
 */
public final class DeployOptions {
  private static final DeployOptions DEFAULTS = new DeployOptions(Map.of(), null, null, null, null, null);

  private final Map<String, String> labels;
  private final String alias;
  private final Principal principal;
  private final BatchingPolicy batching;
  private final InferenceRequest warmup;
  private final String encryptionKey;

  private DeployOptions(Map<String, String> labels, String alias, Principal principal, BatchingPolicy batching,
      InferenceRequest warmup, String encryptionKey) {
    this.labels = labels;
    this.alias = alias;
    this.principal = principal;
    this.batching = batching;
    this.warmup = warmup;
    this.encryptionKey = encryptionKey;
  }

  /** No labels, no alias, the service's default principal. */
  public static DeployOptions defaults() {
    return DEFAULTS;
  }

  /** These options with one more label. */
  public DeployOptions withLabel(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Map<String, String> m = new LinkedHashMap<>(labels);
    m.put(key, value);
    return new DeployOptions(Map.copyOf(m), alias, principal, batching, warmup, encryptionKey);
  }

  /** These options with an alias that is moved to the new version once it is published. */
  public DeployOptions withAlias(String alias) {
    return new DeployOptions(labels, Names.checkAliasName(alias), principal, batching, warmup, encryptionKey);
  }

  /** These options deploying as {@code principal}. */
  public DeployOptions withPrincipal(Principal principal) {
    return new DeployOptions(labels, alias, Objects.requireNonNull(principal, "principal"), batching, warmup,
        encryptionKey);
  }

  /**
   * These options recording {@code policy} in the manifest as the version's batching defaults,
   * used wherever the service's builder names no policy for the model.
   */
  public DeployOptions withBatching(BatchingPolicy policy) {
    return new DeployOptions(labels, alias, principal, Objects.requireNonNull(policy, "policy"), warmup, encryptionKey);
  }

  /**
   * These options recording {@code sample} in the manifest: every load of the version runs it before
   * the version takes traffic, and a failure fails the load (the old version keeps serving). Keep it
   * small: it is stored in the manifest. Without one, inputs are generated from the signature.
   */
  public DeployOptions withWarmup(InferenceRequest sample) {
    return new DeployOptions(labels, alias, principal, batching, Objects.requireNonNull(sample, "sample"),
        encryptionKey);
  }

  /**
   * These options encrypting the model at rest: AES-256-GCM under a fresh data key, which the
   * service's {@link dev.maas.security.KeyProvider} wraps with its master key {@code keyAlias}; the
   * manifest records the alias, the wrapped key and the nonce. Loading decrypts in memory, so no
   * plaintext model is ever written to disk. The model must be under 2 GiB (it is encrypted and
   * decrypted as one Java byte array); a larger one is refused with a {@link LimitExceededException}
   * ({@code maxEncryptedModelBytes}) and nothing is published.
   *
   * @throws IllegalArgumentException if the alias is empty
   */
  public DeployOptions withEncryption(String keyAlias) {
    Objects.requireNonNull(keyAlias, "keyAlias");
    if (keyAlias.isEmpty()) {
      throw new IllegalArgumentException("the key alias must not be empty");
    }
    return new DeployOptions(labels, alias, principal, batching, warmup, keyAlias);
  }

  /** The alias of the master key to encrypt under, if the model is to be encrypted. */
  public Optional<String> encryptionKey() {
    return Optional.ofNullable(encryptionKey);
  }

  /** The warm-up sample to record, if any. */
  public Optional<InferenceRequest> warmup() {
    return Optional.ofNullable(warmup);
  }

  /** The batching defaults to record, if any. */
  public Optional<BatchingPolicy> batching() {
    return Optional.ofNullable(batching);
  }

  /** The labels to record. */
  public Map<String, String> labels() {
    return labels;
  }

  /** The alias to move to the new version, if any. */
  public Optional<String> alias() {
    return Optional.ofNullable(alias);
  }

  /** The deploying principal, if set. */
  public Optional<Principal> principal() {
    return Optional.ofNullable(principal);
  }
}
