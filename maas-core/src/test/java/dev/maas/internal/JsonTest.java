package dev.maas.internal;

import static dev.maas.internal.JsonFixtures.ALIAS;
import static dev.maas.internal.JsonFixtures.MANIFEST;
import static dev.maas.internal.JsonFixtures.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.ErrorCode;
import dev.maas.IntegrityException;
import dev.maas.ModelLoadException;
import dev.maas.TensorSpec;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ObjectNode manifestTree() throws Exception {
    return (ObjectNode) Json.mapper().readTree(Json.write(MANIFEST));
  }

  private static byte[] edited(Consumer<ObjectNode> edit) throws Exception {
    ObjectNode tree = manifestTree();
    edit.accept(tree);
    return Json.mapper().writeValueAsBytes(tree);
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void manifestRoundTrips() {
    Manifest back = Json.readManifest(Json.write(MANIFEST), VERSION);
    assertEquals(MANIFEST, back);
    assertEquals(MANIFEST.signature(), back.signature());
    assertEquals(Dimension.dynamic(null), back.signature().inputs().get(1).shape().get(0));
    assertEquals(List.of(), back.signature().input("scalar").orElseThrow().shape());
    assertEquals(null, back.signature().input("text").orElseThrow().shape());
  }

  @Test
  void manifestWithoutSignatureEntriesOrLabelsRoundTrips() {
    Manifest bare = new Manifest(1, "m", 1, Instant.EPOCH, null, "onnx", List.of(),
        new dev.maas.ModelSignature(List.of(), List.of()), null);
    assertEquals("anonymous", bare.createdBy());
    assertEquals(bare, Json.readManifest(Json.write(bare), new ModelVersion("m", 1)));
  }

  @Test
  void manifestIsWrittenInTheDocumentedShape() throws Exception {
    JsonNode tree = manifestTree();
    Set<String> fields = new TreeSet<>();
    tree.fieldNames().forEachRemaining(fields::add);
    assertEquals(new TreeSet<>(List.of("schemaVersion", "model", "version", "createdAt", "createdBy", "runtime",
        "blobs", "signature", "labels", "warmup")), fields, "only the record's components, no derived getters");
    assertEquals(1, tree.get("schemaVersion").asInt());
    assertEquals("2026-01-02T03:04:05.123456789Z", tree.get("createdAt").asText());
    JsonNode x = tree.get("signature").get("inputs").get(0);
    assertEquals("float32", x.get("dtype").asText());
    assertEquals("batch", x.get("shape").get(0).asText(), "a symbolic dimension is its symbol");
    assertEquals(4, x.get("shape").get(1).asLong(), "a fixed dimension is its size");
    JsonNode mask = tree.get("signature").get("inputs").get(1);
    assertTrue(mask.get("shape").get(0).isNull(), "an unnamed dynamic dimension is null");
    assertFalse(tree.get("signature").get("inputs").get(3).has("shape"), "unknown rank: no shape");
  }

  @Test
  void aliasRoundTrips() {
    Alias back = Json.readAlias(Json.write(ALIAS), "iris", "prod");
    assertEquals(ALIAS, back);
    assertEquals(2, back.previousVersion());
    Alias fresh = new Alias("iris", "canary", 1, List.of());
    assertEquals(fresh, Json.readAlias(Json.write(fresh), "iris", "canary"));
  }

  @Test
  void readerAcceptsNegativeDimensionsAsDynamic() throws Exception {
    byte[] json = edited(t -> ((ArrayNode) t.get("signature").get("inputs").get(0).get("shape")).set(1, -1));
    TensorSpec x = Json.readManifest(json, VERSION).signature().input("x").orElseThrow();
    assertEquals(List.of(Dimension.dynamic("batch"), Dimension.dynamic(null)), x.shape());
  }

  @Test
  void readerAcceptsDtypeAliases() throws Exception {
    byte[] json = edited(t -> ((ObjectNode) t.get("signature").get("inputs").get(0)).put("dtype", "FLOAT"));
    assertEquals(DType.FLOAT32, Json.readManifest(json, VERSION).signature().input("x").orElseThrow().dtype());
  }

  // ---------------------------------------------------------------- tolerance

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() throws Exception {
    byte[] json = edited(t -> {
      t.putObject("futureTopLevel").putArray("nested").add(1).addObject().putNull("a");
      ((ObjectNode) t.get("blobs").get(0)).put("compression", "zstd");
      ((ObjectNode) t.get("signature")).put("opset", 21);
      ((ObjectNode) t.get("signature").get("inputs").get(0)).putArray("quantization").add(0.5);
    });
    assertEquals(MANIFEST, Json.readManifest(json, VERSION));
    ObjectNode alias = (ObjectNode) Json.mapper().readTree(Json.write(ALIAS));
    alias.put("ttl", "P1D");
    ((ObjectNode) alias.get("history").get(0)).put("reason", "rollout");
    assertEquals(ALIAS, Json.readAlias(Json.mapper().writeValueAsBytes(alias), "iris", "prod"));
  }

  @Test
  void newerSchemaVersionAsksForAnUpgrade() throws Exception {
    byte[] json = edited(t -> t.put("schemaVersion", Manifest.SCHEMA_VERSION + 1));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> Json.readManifest(json, VERSION));
    assertEquals(ErrorCode.MODEL_LOAD_FAILED, e.code());
    assertTrue(e.getMessage().contains("iris:3") && e.getMessage().contains("upgrade"), e.getMessage());
  }

  // ---------------------------------------------------------------- integrity failures

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "not json", "{", "}", "[]", "{}", "42", "\"manifest\"", "true", "{\"model\":",
      "{\"schemaVersion\": 1}", "\u0000\u0001", "{\"model\": \"iris\", \"version\": 3}"})
  void garbageIsAnIntegrityViolation(String text) {
    IntegrityException e = assertThrows(IntegrityException.class, () -> Json.readManifest(utf8(text), VERSION));
    assertEquals(ErrorCode.INTEGRITY_VIOLATION, e.code());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("iris:3"), e.getMessage());
    assertThrows(IntegrityException.class, () -> Json.readAlias(utf8(text), "iris", "prod"));
  }

  @Test
  void nullDocumentIsAnIntegrityViolation() {
    assertThrows(IntegrityException.class, () -> Json.readManifest(utf8("null"), VERSION));
    assertThrows(IntegrityException.class, () -> Json.readAlias(utf8(" null "), "iris", "prod"));
  }

  @Test
  void everyTruncationIsAnIntegrityViolation() {
    byte[] full = Json.write(MANIFEST);
    for (int n = 0; n < full.length; n++) {
      byte[] prefix = java.util.Arrays.copyOf(full, n);
      int len = n;
      assertThrows(IntegrityException.class, () -> Json.readManifest(prefix, VERSION), () -> "prefix of " + len + " bytes");
    }
    byte[] alias = Json.write(ALIAS);
    for (int n = 0; n < alias.length; n++) {
      byte[] prefix = java.util.Arrays.copyOf(alias, n);
      assertThrows(IntegrityException.class, () -> Json.readAlias(prefix, "iris", "prod"));
    }
  }

  @Test
  void manifestStoredUnderAnotherNameOrVersionIsRefused() {
    byte[] json = Json.write(MANIFEST);
    IntegrityException name = assertThrows(IntegrityException.class,
        () -> Json.readManifest(json, new ModelVersion("iris2", 3)));
    assertTrue(name.getMessage().contains("iris2:3") && name.getMessage().contains("iris:3"), name.getMessage());
    assertThrows(IntegrityException.class, () -> Json.readManifest(json, new ModelVersion("Iris", 3)));
    IntegrityException version = assertThrows(IntegrityException.class,
        () -> Json.readManifest(json, new ModelVersion("iris", 4)));
    assertTrue(version.getMessage().contains("iris:4"), version.getMessage());
  }

  @Test
  void aliasStoredUnderAnotherNameIsRefused() {
    byte[] json = Json.write(ALIAS);
    assertThrows(IntegrityException.class, () -> Json.readAlias(json, "iris", "canary"));
    assertThrows(IntegrityException.class, () -> Json.readAlias(json, "other", "prod"));
  }

  @Test
  void invalidFieldValuesAreIntegrityViolations() throws Exception {
    List<Consumer<ObjectNode>> edits = new ArrayList<>();
    edits.add(t -> ((ObjectNode) t.get("signature").get("inputs").get(0)).put("dtype", "float33"));
    edits.add(t -> ((ObjectNode) t.get("signature").get("inputs").get(0)).put("dtype", 7));
    edits.add(t -> ((ObjectNode) t.get("blobs").get(0)).put("sha256", "F".repeat(64)));
    edits.add(t -> ((ObjectNode) t.get("blobs").get(0)).put("sha256", "../../etc/passwd"));
    edits.add(t -> ((ObjectNode) t.get("blobs").get(0)).put("size", -1));
    edits.add(t -> ((ObjectNode) t.get("blobs").get(0)).putNull("size"));
    edits.add(t -> t.put("createdAt", "yesterday"));
    edits.add(t -> t.put("createdAt", 17));
    edits.add(t -> t.putNull("createdAt"));
    edits.add(t -> t.remove("model"));
    edits.add(t -> t.remove("runtime"));
    edits.add(t -> t.remove("signature"));
    edits.add(t -> t.putNull("blobs"));
    edits.add(t -> t.putNull("version"));
    edits.add(t -> t.put("version", "three"));
    edits.add(t -> t.put("model", "../iris"));
    edits.add(t -> t.putObject("labels").putNull("team"));
    edits.add(t -> ((ArrayNode) t.get("signature").get("inputs").get(0).get("shape")).set(1, 1.5));
    edits.add(t -> ((ArrayNode) t.get("signature").get("inputs").get(0).get("shape")).set(1, t.objectNode()));
    edits.add(t -> ((ArrayNode) t.get("signature").get("inputs").get(0).get("shape")).add(t.numberNode(new java.math.BigInteger("99999999999999999999"))));
    edits.add(t -> ((ObjectNode) t.get("signature").get("inputs").get(0)).remove("name"));
    edits.add(t -> ((ObjectNode) t.get("signature")).putNull("inputs"));
    for (int i = 0; i < edits.size(); i++) {
      byte[] json = edited(edits.get(i));
      int n = i;
      assertThrows(IntegrityException.class, () -> Json.readManifest(json, VERSION),
          () -> "edit " + n + ": " + new String(json, StandardCharsets.UTF_8));
    }
  }

  @Test
  void deepNestingFailsCleanly() {
    String deep = "[".repeat(100_000);
    byte[] json = utf8("{\"future\": " + deep + "}");
    assertThrows(IntegrityException.class, () -> Json.readManifest(json, VERSION));
    assertThrows(IntegrityException.class, () -> Json.readAlias(json, "iris", "prod"));
  }

  @Test
  void mapperIsShared() {
    assertTrue(Json.mapper() == Json.mapper());
    assertEquals(Map.of(), new Manifest(1, "m", 1, Instant.EPOCH, "a", "onnx", List.of(),
        JsonFixtures.SIGNATURE, null).labels());
  }
}
