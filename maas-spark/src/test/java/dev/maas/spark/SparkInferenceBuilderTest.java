package dev.maas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.maas.InvalidInputException;
import dev.maas.ModelRef;
import dev.maas.version.VersionResolver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SparkInferenceBuilderTest {
  private final StoreSpec store = StoreSpec.parse("/tmp/models");

  @Test
  void defaultsAndSettingsAreKept() {
    SparkInference s = SparkInference.builder().store(store).model("mlp@prod").build();
    assertEquals(SparkInference.DEFAULT_BATCH_SIZE, s.batchSize());
    assertEquals(InvalidRows.fail(), s.invalidRows());
    assertEquals(RuntimeFactory.discover(), s.runtime());
    assertEquals(Map.of(), s.inputs());
    assertEquals(Optional.empty(), s.versionColumn());

    SparkInference t = s.newBuilder().model("mlp:3").input("x", "a", "b").output("y", "pred")
        .versionColumn("v").batchSize(64).build();
    assertEquals(ModelRef.of("mlp", 3), t.model());
    assertEquals(Map.of("x", List.of("a", "b")), t.inputs());
    assertEquals(Map.of("y", "pred"), t.outputs());
    assertEquals(Optional.of("v"), t.versionColumn());
    assertEquals(64, t.batchSize());
    assertEquals(ModelRef.parse("mlp@prod"), s.model());
  }

  @Test
  void eachSetterRejectsABadValueAtOnce() {
    SparkInference.Builder b = SparkInference.builder();
    assertThrows(IllegalArgumentException.class, () -> b.batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> b.batchSize(SparkInference.MAX_BATCH_SIZE + 1));
    assertThrows(IllegalArgumentException.class, () -> b.input("x"));
    assertThrows(IllegalArgumentException.class, () -> b.input("x", "a", "a"));
    assertThrows(IllegalArgumentException.class, () -> b.input(" ", "a"));
    assertThrows(InvalidInputException.class, () -> b.model("bad name!"));
    assertThrows(IllegalArgumentException.class, () -> b.model(ModelRef.routed("mlp",
        VersionResolver.split(Map.of(VersionResolver.alias("a"), 1, VersionResolver.alias("b"), 1)))));
    b.input("x", "a");
    assertThrows(IllegalArgumentException.class, () -> b.input("x", "b"));
    b.output("y", "pred");
    assertThrows(IllegalArgumentException.class, () -> b.output("y", "other"));
    assertThrows(IllegalArgumentException.class, () -> b.output("z", "PRED"));
    assertThrows(IllegalArgumentException.class, () -> b.versionColumn("pred"));
    b.versionColumn("v");
    assertThrows(IllegalArgumentException.class, () -> b.output("z", "v"));
    b.versionColumn("v2"); // replacing the version column frees the old name
    b.output("z", "v");
  }

  @Test
  void buildNeedsAStoreAndAModel() {
    assertThrows(IllegalStateException.class, () -> SparkInference.builder().model("mlp").build());
    assertThrows(IllegalStateException.class, () -> SparkInference.builder().store(store).build());
  }
}
