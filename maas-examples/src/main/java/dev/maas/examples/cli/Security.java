package dev.maas.examples.cli;

import dev.maas.ModelService;

/** Applies the security options (trust keys, keystore, policy) to a service builder. */
final class Security {
  private Security() {}

  static void apply(GlobalOptions o, ModelService.Builder b) {
    if (!o.trustKeys.isEmpty() || o.keystore != null || o.policy != null) {
      throw new IllegalArgumentException("--trust-key, --keystore and --policy need the security features of maas-core");
    }
  }
}
