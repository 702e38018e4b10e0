package dev.maas.security;

import dev.maas.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Ed25519 keys for signing manifests: generate them, read and write them as PEM, and name them.
 * The formats are OpenSSL's, so keys can come from either side:
 * <pre>
 * openssl genpkey -algorithm ed25519 -out deployer.pem          # private key, PKCS#8 PEM
 * openssl pkey -in deployer.pem -pubout -out deployer.pub.pem   # public key, X.509 PEM
 * </pre>
 * <pre>{@code
 * ModelService deployer = ModelService.builder()
 *     .signWith("deployer-2026", SigningKeys.readPrivateKey(Path.of("deployer.pem"))) ...
 * ModelService server = ModelService.builder()
 *     .trustedKeys(Map.of("deployer-2026", SigningKeys.readPublicKey(Path.of("deployer.pub.pem")))) ...
 * }</pre>
 *
 * <p>Only Ed25519 (in every JDK since 15) is used: small keys, fast and deterministic signatures,
 * no parameters to get wrong. Stateless and thread-safe.
 */
public final class SigningKeys {
  private static final String PRIVATE = "PRIVATE KEY";
  private static final String PUBLIC = "PUBLIC KEY";

  private SigningKeys() {}

  /** A new Ed25519 key pair. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
  }

  /**
   * Reads an Ed25519 private key from a PEM file in PKCS#8 form ({@code -----BEGIN PRIVATE KEY-----}),
   * as {@code openssl genpkey -algorithm ed25519} writes.
   *
   * @throws InvalidInputException if the file cannot be read or holds no such key
   */
  public static PrivateKey readPrivateKey(Path pemFile) {
    return parsePrivateKey(read(pemFile), pemFile.toString());
  }

  /**
   * Reads an Ed25519 public key from a PEM file in X.509 form ({@code -----BEGIN PUBLIC KEY-----}),
   * as {@code openssl pkey -pubout} writes.
   *
   * @throws InvalidInputException if the file cannot be read or holds no such key
   */
  public static PublicKey readPublicKey(Path pemFile) {
    return parsePublicKey(read(pemFile), pemFile.toString());
  }

  /**
   * Parses an Ed25519 private key from PKCS#8 PEM text.
   *
   * @throws InvalidInputException if the text holds no such key
   */
  public static PrivateKey parsePrivateKey(String pem) {
    return parsePrivateKey(pem, "PEM text");
  }

  /**
   * Parses an Ed25519 public key from X.509 PEM text.
   *
   * @throws InvalidInputException if the text holds no such key
   */
  public static PublicKey parsePublicKey(String pem) {
    return parsePublicKey(pem, "PEM text");
  }

  /** The key as PKCS#8 PEM text, which OpenSSL reads. Treat the result as the secret it is. */
  public static String toPem(PrivateKey key) {
    checkEd25519(key);
    return pem(PRIVATE, key.getEncoded());
  }

  /** The key as X.509 PEM text, which OpenSSL reads. */
  public static String toPem(PublicKey key) {
    checkEd25519(key);
    return pem(PUBLIC, key.getEncoded());
  }

  /**
   * A key id derived from the public key: {@code ed25519-} and the first 16 hex digits of the
   * SHA-256 of its X.509 encoding. Any valid id will do (see {@link
   * dev.maas.version.ManifestSignature#keyId()}); this one needs no bookkeeping.
   */
  public static String keyId(PublicKey key) {
    checkEd25519(key);
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return "ed25519-" + HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }

  /**
   * Returns {@code key} if it is an Ed25519 key.
   *
   * @throws IllegalArgumentException otherwise (an RSA, EC or Ed448 key, say)
   */
  public static <K extends Key> K checkEd25519(K key) {
    Objects.requireNonNull(key, "key");
    if (!(key instanceof EdECKey) || !"Ed25519".equalsIgnoreCase(((EdECKey) key).getParams().getName())) {
      throw new IllegalArgumentException("not an Ed25519 key: " + key.getAlgorithm()
          + (key instanceof EdECKey ? " " + ((EdECKey) key).getParams().getName() : ""));
    }
    return key;
  }

  private static PrivateKey parsePrivateKey(String pem, String where) {
    byte[] der = der(pem, PRIVATE, where);
    try {
      return checkEd25519(KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidInputException(where + " holds no Ed25519 private key in PKCS#8 form: " + e.getMessage(), e);
    }
  }

  private static PublicKey parsePublicKey(String pem, String where) {
    byte[] der = der(pem, PUBLIC, where);
    try {
      return checkEd25519(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidInputException(where + " holds no Ed25519 public key in X.509 form: " + e.getMessage(), e);
    }
  }

  private static String read(Path file) {
    Objects.requireNonNull(file, "pemFile");
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] der(String pem, String type, String where) {
    Objects.requireNonNull(pem, "pem");
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = pem.indexOf(begin);
    int e = b < 0 ? -1 : pem.indexOf(end, b);
    if (b < 0 || e < 0) {
      throw new InvalidInputException(where + " has no '" + begin + "' block");
    }
    try {
      return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    } catch (IllegalArgumentException x) {
      throw new InvalidInputException(where + ": the '" + begin + "' block is not base64", x);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
