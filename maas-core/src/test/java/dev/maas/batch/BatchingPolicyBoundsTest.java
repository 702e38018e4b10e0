package dev.maas.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.IntegrityException;
import dev.maas.internal.Json;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Regression: batching policies come from manifests in the store too, and every loaded version
 * starts {@code instances} threads and sizes a histogram by {@code maxBatchSize}. Unbounded, a
 * manifest saying {@code "instances": 1000000} started a million threads; now such a manifest is
 * refused as invalid before anything is loaded.
 */
class BatchingPolicyBoundsTest {
  @Test
  void instancesAndBatchSizeAreBounded() {
    BatchingPolicy d = BatchingPolicy.defaults();
    assertEquals(BatchingPolicy.MAX_INSTANCES, d.withInstances(BatchingPolicy.MAX_INSTANCES).instances());
    assertEquals(BatchingPolicy.MAX_BATCH_SIZE, d.withMaxBatchSize(BatchingPolicy.MAX_BATCH_SIZE).maxBatchSize());
    assertThrows(IllegalArgumentException.class, () -> d.withInstances(BatchingPolicy.MAX_INSTANCES + 1));
    assertThrows(IllegalArgumentException.class, () -> d.withMaxBatchSize(BatchingPolicy.MAX_BATCH_SIZE + 1));
    assertThrows(IllegalArgumentException.class, () -> d.withMaxBatchSize(Integer.MAX_VALUE));
    assertTrue(d.instances() <= BatchingPolicy.MAX_INSTANCES);
  }

  @Test
  void aManifestAskingForAMillionThreadsIsRefused() {
    ModelVersion v = new ModelVersion("m", 1);
    Manifest m = new Manifest(Manifest.SCHEMA_VERSION, "m", 1, Instant.EPOCH, "a", "onnx",
        List.of(new BlobRef(BlobRef.MODEL, "m.onnx", "a".repeat(64), 1)),
        new dev.maas.ModelSignature(List.of(), List.of()), Map.of(), BatchingPolicy.defaults().withInstances(2));
    String json = new String(Json.write(m), StandardCharsets.UTF_8);
    for (String hostile : List.of(json.replace("\"instances\" : 2", "\"instances\" : 1000000"),
        json.replace("\"maxBatchSize\" : 1", "\"maxBatchSize\" : 1000000000"))) {
      assertTrue(!hostile.equals(json));
      assertThrows(IntegrityException.class, () -> Json.readManifest(hostile.getBytes(StandardCharsets.UTF_8), v));
    }
  }
}
