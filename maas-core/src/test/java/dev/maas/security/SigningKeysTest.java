package dev.maas.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maas.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ed25519 keys: PEM both ways, OpenSSL's formats, key ids, and refusing other kinds of key. */
class SigningKeysTest {
  @TempDir Path tmp;

  private static boolean signsAndVerifies(PrivateKey priv, PublicKey pub) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(priv);
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    s.initVerify(pub);
    s.update(new byte[] {1, 2, 3});
    return s.verify(sig);
  }

  @Test
  void pemRoundTrips() throws Exception {
    KeyPair kp = SigningKeys.generate();
    PrivateKey priv = SigningKeys.parsePrivateKey(SigningKeys.toPem(kp.getPrivate()));
    PublicKey pub = SigningKeys.parsePublicKey(SigningKeys.toPem(kp.getPublic()));
    assertTrue(signsAndVerifies(priv, pub));
    assertTrue(signsAndVerifies(kp.getPrivate(), pub));
    assertTrue(SigningKeys.toPem(kp.getPrivate()).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    assertTrue(SigningKeys.toPem(kp.getPublic()).startsWith("-----BEGIN PUBLIC KEY-----\n"));
  }

  @Test
  void keyIdsAreStableAndDistinct() {
    KeyPair a = SigningKeys.generate();
    KeyPair b = SigningKeys.generate();
    assertEquals(SigningKeys.keyId(a.getPublic()), SigningKeys.keyId(SigningKeys.parsePublicKey(SigningKeys.toPem(a.getPublic()))));
    assertNotEquals(SigningKeys.keyId(a.getPublic()), SigningKeys.keyId(b.getPublic()));
    assertTrue(SigningKeys.keyId(a.getPublic()).matches("ed25519-[0-9a-f]{16}"));
  }

  @Test
  void otherKindsOfKeyAreRefused() throws Exception {
    for (String alg : new String[] {"RSA", "EC", "Ed448"}) {
      KeyPair kp = KeyPairGenerator.getInstance(alg).generateKeyPair();
      assertThrows(IllegalArgumentException.class, () -> SigningKeys.checkEd25519(kp.getPrivate()), alg);
      assertThrows(IllegalArgumentException.class, () -> SigningKeys.keyId(kp.getPublic()), alg);
    }
    KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(ed448.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    assertThrows(InvalidInputException.class, () -> SigningKeys.parsePrivateKey(pem));
  }

  @Test
  void malformedPemIsRefusedClearly() {
    assertThrows(InvalidInputException.class, () -> SigningKeys.parsePublicKey("no pem here"));
    assertThrows(InvalidInputException.class, () -> SigningKeys.parsePublicKey(
        "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"));
    assertThrows(InvalidInputException.class, () -> SigningKeys.parsePublicKey(
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
    KeyPair kp = SigningKeys.generate();
    assertThrows(InvalidInputException.class, () -> SigningKeys.parsePublicKey(SigningKeys.toPem(kp.getPrivate())),
        "a private key where a public one is expected");
    assertThrows(InvalidInputException.class, () -> SigningKeys.readPrivateKey(tmp.resolve("absent.pem")));
  }

  private static int run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl hung");
    return p.exitValue();
  }

  private static boolean hasOpenssl(Path dir) {
    try {
      return run(dir, "openssl", "version") == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void readsWhatOpensslWritesAndWritesWhatItReads() throws Exception {
    assumeTrue(hasOpenssl(tmp), "openssl is not installed");
    assertEquals(0, run(tmp, "openssl", "genpkey", "-algorithm", "ed25519", "-out", "k.pem"));
    assertEquals(0, run(tmp, "openssl", "pkey", "-in", "k.pem", "-pubout", "-out", "k.pub.pem"));
    PrivateKey priv = SigningKeys.readPrivateKey(tmp.resolve("k.pem"));
    PublicKey pub = SigningKeys.readPublicKey(tmp.resolve("k.pub.pem"));
    assertTrue(signsAndVerifies(priv, pub));

    KeyPair ours = SigningKeys.generate();
    Files.writeString(tmp.resolve("ours.pem"), SigningKeys.toPem(ours.getPrivate()));
    Files.writeString(tmp.resolve("ours.pub.pem"), SigningKeys.toPem(ours.getPublic()));
    assertEquals(0, run(tmp, "openssl", "pkey", "-in", "ours.pem", "-pubout", "-out", "derived.pub.pem"));
    assertEquals(SigningKeys.toPem(ours.getPublic()), Files.readString(tmp.resolve("derived.pub.pem")),
        "openssl derives the same public key from our private key file");
    assertEquals(0, run(tmp, "openssl", "pkey", "-pubin", "-in", "ours.pub.pem", "-noout"));
  }
}
