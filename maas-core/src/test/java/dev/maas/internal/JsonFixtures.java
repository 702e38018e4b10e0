package dev.maas.internal;

import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.ModelSignature;
import dev.maas.TensorSpec;
import dev.maas.version.Alias;
import dev.maas.version.AliasChange;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A manifest and an alias record that use every feature of the format. */
final class JsonFixtures {
  static final ModelVersion VERSION = new ModelVersion("iris", 3);

  static final ModelSignature SIGNATURE = new ModelSignature(
      List.of(
          new TensorSpec("x", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.fixed(4))),
          new TensorSpec("mask", DType.BOOL, List.of(Dimension.dynamic(null), Dimension.fixed(0))),
          new TensorSpec("scalar", DType.INT64, List.of()),
          new TensorSpec("text", DType.STRING, null)),
      List.of(
          new TensorSpec("y", DType.FLOAT16, List.of(Dimension.dynamic("batch"), Dimension.fixed(3))),
          new TensorSpec("ids", DType.UINT64, List.of(Dimension.dynamic(null)))));

  static final Manifest MANIFEST = new Manifest(
      Manifest.SCHEMA_VERSION,
      "iris",
      3,
      Instant.parse("2026-01-02T03:04:05.123456789Z"),
      "alice",
      "onnx",
      List.of(
          new BlobRef(BlobRef.MODEL, "iris.onnx", "0123456789abcdef".repeat(4), 1234),
          new BlobRef("weights", "weights.bin", "f".repeat(64), 0)),
      SIGNATURE,
      Map.of("team", "ml", "note", "caf\u00e9 \u2713 \"quoted\"\n"));

  static final Alias ALIAS = new Alias("iris", "prod", 3, List.of(
      new AliasChange(2, Instant.parse("2026-01-01T00:00:00Z"), "alice"),
      new AliasChange(3, Instant.parse("2026-01-02T10:11:12.5Z"), "bob")));

  private JsonFixtures() {}
}
