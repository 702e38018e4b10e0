package dev.maas.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.IntegrityException;
import dev.maas.version.Manifest;
import dev.maas.version.ManifestSignature;
import dev.maas.version.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Signs and verifies manifests with Ed25519 over a canonical serialization.
 *
 * <p>The canonical form is the manifest document as stored, parsed as a JSON tree, without its
 * {@code manifestSignature} field, written compactly with object keys sorted (by UTF-16 code
 * units) at every level. It is computed from the stored bytes, not from the parsed record, so it
 * covers every field present, including ones this release does not know: nothing can be added,
 * removed or changed without breaking the signature. Documents with duplicate keys or trailing
 * content are refused, so the verified tree and the record read afterwards see the same fields.
 * What is signed is a domain prefix, {@code maas-manifest-v1} and a newline, then the canonical form.
 *
 * <p>The manifest's own model name and version number are inside what is signed, and the reader
 * checks them against where the manifest is stored: a signed manifest replayed under another
 * version number, or swapped with another version's, is refused.
 */
final class ManifestSigning {
  static final String FIELD = "manifestSignature";
  private static final int SIGNATURE_BYTES = 64;
  private static final byte[] DOMAIN = "maas-manifest-v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private ManifestSigning() {}

  /** {@code unsigned} signed with {@code key} under {@code keyId}. */
  static Manifest sign(Manifest unsigned, String keyId, PrivateKey key) {
    byte[] canonical = canonical(tree(Json.write(unsigned.withManifestSignature(null)), unsigned.modelVersion()));
    try {
      Signature s = Signature.getInstance(ManifestSignature.ED25519);
      s.initSign(key);
      s.update(DOMAIN);
      s.update(canonical);
      return unsigned.withManifestSignature(
          new ManifestSignature(keyId, ManifestSignature.ED25519, Base64.getEncoder().encodeToString(s.sign())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that the manifest document stored for {@code v} is signed by one of {@code trusted} and
   * unchanged since.
   *
   * @throws IntegrityException saying why not: unsigned, unknown key, unknown algorithm, or altered
   */
  static void verify(byte[] json, ModelVersion v, Map<String, PublicKey> trusted) {
    JsonNode tree = tree(json, v);
    JsonNode sig = tree.get(FIELD);
    if (sig == null || sig.isNull()) {
      throw new IntegrityException("manifest of " + v + " is not signed, and this service loads only manifests"
          + " signed by a trusted key " + new TreeSet<>(trusted.keySet()) + "; the version is not loaded");
    }
    ManifestSignature ms;
    try {
      ms = STRICT.treeToValue(sig, ManifestSignature.class);
    } catch (IOException | RuntimeException e) {
      throw new IntegrityException("manifest of " + v + " has a malformed signature: " + e.getMessage(), e);
    }
    if (ms == null) {
      throw new IntegrityException("manifest of " + v + " has a malformed signature");
    }
    if (!ManifestSignature.ED25519.equals(ms.algorithm())) {
      throw new IntegrityException("manifest of " + v + " is signed with " + ms.algorithm()
          + "; only " + ManifestSignature.ED25519 + " signatures are accepted");
    }
    PublicKey key = trusted.get(ms.keyId());
    if (key == null) {
      throw new IntegrityException("manifest of " + v + " is signed with key '" + ms.keyId()
          + "', which is not among the trusted keys " + new TreeSet<>(trusted.keySet()) + "; the version is not loaded");
    }
    byte[] value;
    try {
      value = Base64.getDecoder().decode(ms.value());
    } catch (IllegalArgumentException e) {
      throw new IntegrityException("manifest of " + v + " has a signature that is not base64", e);
    }
    // One signature, one spelling: the JDK's Ed25519 verifier accepts a signature padded with zero
    // bytes, and base64 can spell the same bytes in more than one way.
    if (value.length != SIGNATURE_BYTES || !Base64.getEncoder().encodeToString(value).equals(ms.value())) {
      throw new IntegrityException("manifest of " + v + " has a malformed signature: not " + SIGNATURE_BYTES
          + " bytes in canonical base64");
    }
    ((ObjectNode) tree).remove(FIELD);
    boolean ok;
    try {
      Signature s = Signature.getInstance(ManifestSignature.ED25519);
      s.initVerify(key);
      s.update(DOMAIN);
      s.update(canonical(tree));
      ok = s.verify(value);
    } catch (java.security.SignatureException e) {
      ok = false; // a malformed signature value
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot verify with Ed25519: " + e.getMessage(), e);
    }
    if (!ok) {
      throw new IntegrityException("signature of the manifest of " + v + " (key '" + ms.keyId()
          + "') does not match its content: the manifest was altered after it was signed; the version is not loaded");
    }
  }

  private static JsonNode tree(byte[] json, ModelVersion v) {
    JsonNode tree;
    try {
      tree = STRICT.readTree(json);
    } catch (IOException | RuntimeException e) {
      throw new IntegrityException("manifest of " + v + " is not valid JSON for verification: "
          + firstLine(e.getMessage()), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IntegrityException("manifest of " + v + " is not a JSON object");
    }
    return tree;
  }

  /** The canonical bytes of a tree: compact, object keys sorted at every level. */
  static byte[] canonical(JsonNode tree) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = STRICT.createGenerator(out)) {
      write(g, tree);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write canonical JSON", e); // in memory: cannot happen
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      Iterator<String> it = n.fieldNames();
      it.forEachRemaining(names::add);
      Collections.sort(names);
      g.writeStartObject();
      for (String name : names) {
        g.writeFieldName(name);
        write(g, n.get(name));
      }
      g.writeEndObject();
    } else if (n.isArray()) {
      g.writeStartArray();
      for (JsonNode e : n) {
        write(g, e);
      }
      g.writeEndArray();
    } else {
      g.writeTree(n);
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().split("\n", 2)[0];
  }
}
