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
  private static final DeployOptions DEFAULTS = new DeployOptions(Map.of(), null, null, null, null);

  private final Map<String, String> labels;
  private final String alias;
  private final Principal principal;
  private final BatchingPolicy batching;
  private final InferenceRequest warmup;

  private DeployOptions(Map<String, String> labels, String alias, Principal principal, BatchingPolicy batching,
      InferenceRequest warmup) {
    this.labels = labels;
    this.alias = alias;
    this.principal = principal;
    this.batching = batching;
    this.warmup = warmup;
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
    return new DeployOptions(Map.copyOf(m), alias, principal, batching, warmup);
  }

  /** These options with an alias that is moved to the new version once it is published. */
  public DeployOptions withAlias(String alias) {
    return new DeployOptions(labels, Names.checkAliasName(alias), principal, batching, warmup);
  }

  /** These options deploying as {@code principal}. */
  public DeployOptions withPrincipal(Principal principal) {
    return new DeployOptions(labels, alias, Objects.requireNonNull(principal, "principal"), batching, warmup);
  }

  /**
   * These options recording {@code policy} in the manifest as the version's batching defaults,
   * used wherever the service's builder names no policy for the model.
   */
  public DeployOptions withBatching(BatchingPolicy policy) {
    return new DeployOptions(labels, alias, principal, Objects.requireNonNull(policy, "policy"), warmup);
  }

  /**
   * These options recording {@code sample} in the manifest: every load of the version runs it before
   * the version takes traffic, and a failure fails the load (the old version keeps serving). Keep it
   * small: it is stored in the manifest. Without one, inputs are generated from the signature.
   */
  public DeployOptions withWarmup(InferenceRequest sample) {
    return new DeployOptions(labels, alias, principal, batching, Objects.requireNonNull(sample, "sample"));
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
