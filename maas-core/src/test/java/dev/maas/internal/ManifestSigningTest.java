package dev.maas.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.maas.IntegrityException;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.security.InputLimits;
import dev.maas.security.SigningKeys;
import dev.maas.testing.Fuzzing;
import dev.maas.version.BlobEncryption;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import dev.maas.version.TensorData;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Signed manifests: whatever is changed after signing — a byte, a field, a value, the signature,
 * the version a manifest is stored under — is refused before anything reads the manifest; what
 * only reformats it is not.
 */
@AddLifecycleHook(Fuzzing.class)
class ManifestSigningTest {
  private static final KeyPair KEY = SigningKeys.generate();
  private static final KeyPair OTHER = SigningKeys.generate();
  private static final Map<String, PublicKey> TRUSTED = Map.of("k1", KEY.getPublic());
  private static final ModelVersion V = JsonFixtures.VERSION;

  /** A manifest using every part of the format, encryption and warm-up included. */
  static final Manifest RICH = new Manifest(Manifest.SCHEMA_VERSION, "iris", 3, JsonFixtures.MANIFEST.createdAt(), "alice",
      "onnx", List.of(new BlobRef(BlobRef.MODEL, "iris.onnx", "0123456789abcdef".repeat(4), 1250,
          new BlobEncryption(BlobEncryption.AES_256_GCM, "models-2026", "AQIDBAUGBwgJCgsMDQ4PEA==", "AAECAwQFBgcICQoL", 1234)),
      new BlobRef("weights", "weights.bin", "f".repeat(64), 0)),
      JsonFixtures.SIGNATURE, Map.of("team", "ml", "note", "caf\u00e9 \u2713 \"quoted\"\n"),
      BatchingPolicy.defaults().withMaxBatchSize(8).withMaxQueueDelay(Duration.ofMillis(2)),
      Map.of("x", TensorData.from(Tensor.of(new float[] {1.5f, -2, 3, 4}, 1, 4))));

  static final Manifest SIGNED = ManifestSigning.sign(RICH, "k1", KEY.getPrivate());
  static final byte[] SIGNED_JSON = Json.write(SIGNED);

  /** What the catalog does with a stored manifest. */
  static Manifest read(byte[] json, ModelVersion v) {
    return Catalog.parseManifest(json, v, InputLimits.defaults(), TRUSTED);
  }

  private static String message(byte[] json, ModelVersion v) {
    return assertThrows(IntegrityException.class, () -> read(json, v)).getMessage();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text() {
    return new String(SIGNED_JSON, StandardCharsets.UTF_8);
  }

  @Example
  void aSignedManifestReadsBackAsSigned() {
    assertEquals(SIGNED, read(SIGNED_JSON, V));
    assertEquals("k1", SIGNED.manifestSignature().keyId());
    assertEquals("Ed25519", SIGNED.manifestSignature().algorithm());
  }

  @Example
  void unsignedUnknownKeyAndWrongKeyAreRefusedWithTheirReason() {
    assertTrue(message(Json.write(RICH), V).contains("is not signed"));
    Manifest byOther = ManifestSigning.sign(RICH, "k2", OTHER.getPrivate());
    assertTrue(message(Json.write(byOther), V).contains("key 'k2', which is not among the trusted keys [k1]"));
    Manifest otherUnderTrustedId = ManifestSigning.sign(RICH, "k1", OTHER.getPrivate());
    assertTrue(message(Json.write(otherUnderTrustedId), V).contains("does not match its content"));
  }

  @Example
  void replayedUnderAnotherNumberOrSwappedIsRefused() {
    // The same signed bytes stored as version 4 (a replay) are refused: the manifest says 3.
    assertTrue(message(SIGNED_JSON, new ModelVersion("iris", 4)).contains("describes iris:3"));
    // Rewriting the number inside breaks the signature.
    String renumbered = text().replace("\"version\" : 3", "\"version\" : 4");
    assertTrue(!renumbered.equals(text()));
    assertTrue(message(bytes(renumbered), new ModelVersion("iris", 4)).contains("does not match its content"));
    // Two versions' manifests swapped: each is refused where it now lies.
    Manifest v4 = ManifestSigning.sign(new Manifest(RICH.schemaVersion(), "iris", 4, RICH.createdAt(), "bob",
        RICH.runtime(), RICH.blobs(), RICH.signature(), RICH.labels(), RICH.batching(), RICH.warmup()), "k1", KEY.getPrivate());
    assertTrue(message(Json.write(v4), V).contains("describes iris:4"));
    assertTrue(message(SIGNED_JSON, new ModelVersion("iris", 4)).contains("describes iris:3"));
  }

  @Example
  void ambiguousDocumentsAreRefused() {
    // A second "model" field: one parser might read the first, another the last.
    String dup = text().replaceFirst("\\{", "{\"model\" : \"evil\",");
    assertTrue(message(bytes(dup), V).contains("Duplicate field"));
    assertTrue(message(bytes(text() + " {}"), V).contains("not valid JSON"));
  }

  /** Regression: the JDK accepts an Ed25519 signature padded with a zero byte; we accept one spelling only. */
  @Example
  void aPaddedOrRespelledSignatureIsRefused() {
    byte[] sig = java.util.Base64.getDecoder().decode(SIGNED.manifestSignature().value());
    String padded = java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(sig, 65));
    String respelled = SIGNED.manifestSignature().value().replace("==", "A=");
    for (String value : List.of(padded, respelled)) {
      Manifest m = SIGNED.withManifestSignature(new dev.maas.version.ManifestSignature("k1", "Ed25519", value));
      assertTrue(message(Json.write(m), V).contains("malformed signature"), value);
    }
  }

  @Example
  void anotherAlgorithmIsRefused() {
    String other = text().replace("\"algorithm\" : \"Ed25519\"", "\"algorithm\" : \"none\"");
    assertTrue(message(bytes(other), V).contains("only Ed25519"));
  }

  @Example
  void reformattingDoesNotBreakTheSignature() throws Exception {
    JsonNode tree = Json.mapper().readTree(SIGNED_JSON);
    byte[] compact = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(reversed(tree));
    assertEquals(SIGNED, read(compact, V));
  }

  private static JsonNode reversed(JsonNode n) {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      java.util.Collections.reverse(names);
      ObjectNode o = Json.mapper().createObjectNode();
      for (String name : names) {
        o.set(name, reversed(n.get(name)));
      }
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = Json.mapper().createArrayNode();
      n.forEach(e -> a.add(reversed(e)));
      return a;
    }
    return n;
  }

  // ------------------------------------------------------------------ fuzzing

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, SIGNED_JSON.length - 1);
  }

  /** A one-byte change anywhere either is refused or changed nothing that is read (whitespace). */
  @Property(tries = 12_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyOneByteChangeIsRefusedOrMeaningless(@ForAll("positions") int at, @ForAll byte value) {
    byte[] b = SIGNED_JSON.clone();
    b[at] = value;
    try {
      assertEquals(SIGNED, read(b, V), "a changed manifest that verifies must read as the signed one");
      Statistics.collect("unchanged");
    } catch (IntegrityException e) {
      Statistics.collect("refused");
    }
    Statistics.coverage(c -> c.check("refused").percentage(p -> p > 90));
  }

  /** A flipped bit in the signature itself is always refused (all 512 of them: jqwik enumerates). */
  @Property(tries = 1_000)
  void anyChangeToTheSignatureIsRefused(@ForAll("signatureBits") int bit) {
    byte[] sig = java.util.Base64.getDecoder().decode(SIGNED.manifestSignature().value());
    sig[bit / 8] ^= (byte) (1 << (bit % 8));
    Manifest forged = SIGNED.withManifestSignature(new dev.maas.version.ManifestSignature("k1", "Ed25519",
        java.util.Base64.getEncoder().encodeToString(sig)));
    assertTrue(message(Json.write(forged), V).contains("does not match its content"));
  }

  @Provide
  Arbitrary<Integer> signatureBits() {
    return Arbitraries.integers().between(0, 64 * 8 - 1);
  }

  /** Every value that is read — digests, sizes, numbers, names, encryption parameters — is covered. */
  @Property(tries = 4_000)
  void changingAnyFieldOrValueIsRefused(@ForAll("leafIndexes") int pick, @ForAll("mutations") int how) throws Exception {
    ObjectNode tree = (ObjectNode) Json.mapper().readTree(SIGNED_JSON);
    List<Object[]> places = new ArrayList<>(); // {container, key or index}
    collect(tree, places, true);
    Object[] place = places.get(pick % places.size());
    ContainerNode<?> parent = (ContainerNode<?>) place[0];
    JsonNode old = parent.isObject() ? parent.get((String) place[1]) : parent.get((Integer) place[1]);
    switch (how) {
      case 0: // change the value
        set(parent, place[1], changed(old));
        break;
      case 1: // remove the field or element
        if (parent.isObject()) {
          ((ObjectNode) parent).remove((String) place[1]);
        } else {
          ((ArrayNode) parent).remove((Integer) place[1]);
        }
        break;
      default: // add a field beside it, or repeat the element
        if (parent.isObject()) {
          ((ObjectNode) parent).put("injected", "x");
        } else {
          ((ArrayNode) parent).add(old);
        }
    }
    byte[] json = Json.mapper().writeValueAsBytes(tree);
    assertThrows(IntegrityException.class, () -> read(json, V));
  }

  @Provide
  Arbitrary<Integer> leafIndexes() {
    return Arbitraries.integers().between(0, 10_000);
  }

  @Provide
  Arbitrary<Integer> mutations() {
    return Arbitraries.integers().between(0, 2);
  }

  /** Every field and element below the root, except the signature. */
  private static void collect(JsonNode n, List<Object[]> out, boolean root) {
    if (n.isObject()) {
      Iterator<String> it = n.fieldNames();
      while (it.hasNext()) {
        String name = it.next();
        if (root && name.equals(ManifestSigning.FIELD)) {
          continue;
        }
        out.add(new Object[] {n, name});
        collect(n.get(name), out, false);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(new Object[] {n, i});
        collect(n.get(i), out, false);
      }
    }
  }

  private static void set(ContainerNode<?> parent, Object key, JsonNode value) {
    if (parent.isObject()) {
      ((ObjectNode) parent).set((String) key, value);
    } else {
      ((ArrayNode) parent).set((Integer) key, value);
    }
  }

  private static JsonNode changed(JsonNode old) {
    if (old.isTextual()) {
      return TextNode.valueOf(old.asText() + "x");
    }
    if (old.isIntegralNumber()) {
      return IntNode.valueOf(old.asInt() + 1);
    }
    if (old.isNumber()) {
      return com.fasterxml.jackson.databind.node.DoubleNode.valueOf(old.asDouble() * 2 + 1);
    }
    if (old.isBoolean()) {
      return BooleanNode.valueOf(!old.asBoolean());
    }
    if (old.isNull()) {
      return IntNode.valueOf(0);
    }
    return TextNode.valueOf("replaced"); // an object or array replaced by a value
  }
}
