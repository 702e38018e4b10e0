package dev.maas.examples.cli;

import dev.maas.ModelService;
import dev.maas.security.PKCS12KeyProvider;
import dev.maas.security.PolicyAuthorizer;
import dev.maas.security.SigningKeys;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** Applies the security options (trusted keys, keystore, policy, signing key) to a service builder. */
final class Security {
  private Security() {}

  static void apply(GlobalOptions o, ModelService.Builder b) {
    if (!o.trustKeys.isEmpty()) {
      Map<String, PublicKey> keys = new LinkedHashMap<>();
      for (Path p : o.trustKeys) {
        PublicKey k = SigningKeys.readPublicKey(p);
        keys.put(SigningKeys.keyId(k), k);
      }
      b.trustedKeys(keys);
    }
    if (o.keystore != null) {
      if (o.keystorePasswordEnv == null) {
        throw new IllegalArgumentException("--keystore needs --keystore-password-env VAR");
      }
      String password = System.getenv(o.keystorePasswordEnv);
      if (password == null) {
        throw new IllegalArgumentException("environment variable " + o.keystorePasswordEnv + " is not set");
      }
      b.keyProvider(PKCS12KeyProvider.open(o.keystore, password.toCharArray()));
    }
    if (o.policy != null) {
      b.authorizer(PolicyAuthorizer.fromJson(o.policy));
    }
  }

  /** Signs deploys with the Ed25519 private key in {@code pem}, under the id of its public key. */
  static void signWith(Path pem, ModelService.Builder b) {
    PrivateKey key = SigningKeys.readPrivateKey(pem);
    b.signWith(SigningKeys.keyId(publicKeyOf(key)), key);
  }

  /**
   * The public key of an Ed25519 private key. An Ed25519 private key is a 32-byte seed, so the JDK's
   * generator fed that seed as its randomness makes the same pair.
   */
  static PublicKey publicKeyOf(PrivateKey key) {
    byte[] seed = ((EdECPrivateKey) SigningKeys.checkEd25519(key)).getBytes()
        .orElseThrow(() -> new IllegalArgumentException("the private key does not expose its seed"));
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
          System.arraycopy(seed, 0, bytes, 0, bytes.length);
        }
      });
      return g.generateKeyPair().getPublic();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("JDK without Ed25519", e);
    }
  }
}
