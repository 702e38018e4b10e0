package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.LimitExceededException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.JobItem;
import dev.maas.batch.JobOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.InputLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each limit, exceeded through the service, fails typed and names itself; nothing is run or published. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InputLimitsTest {
  @TempDir Path tmp;

  private static String limit(Runnable call) {
    return assertThrows(LimitExceededException.class, call::run).limit();
  }

  @Test
  void requestsOverTheLimitsAreRefusedByName() throws Exception {
    InputLimits limits = InputLimits.defaults().withMaxTensorElements(400).withMaxTensorBytes(1200)
        .withMaxRequestElements(420).withMaxRequestBytes(1800).withMaxInputs(2).withMaxNameLength(5);
    try (OnnxRuntime onnx = OnnxRuntime.create();
        ModelService maas = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(onnx)
            .inputLimits(limits).build()) {
      maas.deploy("mlp", Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1)));
      maas.deploy("two", Files.write(tmp.resolve("two.onnx"), SampleModels.twoInTwoOut()));
      ModelRef mlp = ModelRef.parse("mlp");
      maas.predict(mlp, InferenceRequest.of("x", Tensor.of(new float[4 * 75], 75, 4))); // 300 elements, 1200 bytes
      assertEquals("maxTensorElements", limit(() -> maas.predict(mlp, InferenceRequest.of("x", Tensor.of(new float[404], 101, 4)))));
      assertEquals("maxTensorBytes", limit(() -> maas.predict(ModelRef.parse("two"), InferenceRequest.of(Map.of(
          "a", Tensor.of(new float[4], 1, 4), "b", Tensor.of(new long[152], 76, 2))))));
      // each within its tensor limits, together over the request's, in whichever order they are counted
      assertEquals("maxRequestElements", limit(() -> maas.predict(ModelRef.parse("two"), InferenceRequest.of(Map.of(
          "a", Tensor.of(new float[300], 75, 4), "b", Tensor.of(new long[150], 75, 2))))));
      assertEquals("maxRequestBytes", limit(() -> maas.predict(ModelRef.parse("two"), InferenceRequest.of(Map.of(
          "a", Tensor.of(new float[280], 70, 4), "b", Tensor.of(new long[140], 70, 2))))));
      Map<String, Tensor> three = new LinkedHashMap<>();
      three.put("a", Tensor.of(new float[4], 1, 4));
      three.put("b", Tensor.of(new long[2], 1, 2));
      three.put("c", Tensor.of(new float[1]));
      assertEquals("maxInputs", limit(() -> maas.predict(ModelRef.parse("two"), InferenceRequest.of(three))));
      assertEquals("maxNameLength", limit(() -> maas.predict(mlp, InferenceRequest.of("xxxxxx", Tensor.of(new float[4], 1, 4)))));
      // asynchronously: the future fails, nothing is thrown
      ExecutionException e = assertThrows(ExecutionException.class, () -> maas.predictAsync(mlp,
          InferenceRequest.of("x", Tensor.of(new float[404], 101, 4))).get(10, TimeUnit.SECONDS));
      assertInstanceOf(LimitExceededException.class, e.getCause());
      // in a job: that item fails, the others run
      List<JobItem> items = new ArrayList<>();
      maas.submitJob(mlp, List.of(InferenceRequest.of("x", Tensor.of(new float[4], 1, 4)),
          InferenceRequest.of("x", Tensor.of(new float[404], 101, 4))), JobOptions.defaults())
          .results().forEachRemaining(items::add);
      assertEquals(true, items.get(0).ok());
      assertInstanceOf(LimitExceededException.class, items.get(1).error());
    }
  }

  @Test
  void documentsOverTheLimitsAreNeitherWrittenNorRead() throws Exception {
    Path model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1));
    try (OnnxRuntime onnx = OnnxRuntime.create()) {
      try (ModelService small = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(onnx)
          .inputLimits(InputLimits.defaults().withMaxManifestBytes(4096)).build()) {
        // a warm-up sample that makes the manifest too large: refused, nothing published
        InferenceRequest big = InferenceRequest.of("x", Tensor.of(new float[4 * 400], 400, 4));
        assertEquals("maxManifestBytes", limit(() -> small.deploy("mlp", model, DeployOptions.defaults().withWarmup(big))));
        assertThrows(ModelNotFoundException.class, () -> small.versions("mlp"));
        small.deploy("mlp", model);
      }
      // A manifest that grew deep in the store is refused by a reader that bounds the depth.
      Path stored = tmp.resolve("store/models/mlp/versions/1.json");
      String json = Files.readString(stored);
      Files.writeString(stored, json.replaceFirst("\\{", "{\"deep\" : " + "[".repeat(40) + "]".repeat(40) + ","),
          StandardCharsets.UTF_8);
      try (ModelService strict = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(onnx)
          .inputLimits(InputLimits.defaults().withMaxJsonDepth(16)).build()) {
        assertEquals("maxJsonDepth", limit(() -> strict.manifest(ModelRef.parse("mlp:1"))));
        assertEquals("maxJsonDepth", limit(() -> strict.predict(ModelRef.parse("mlp:1"),
            InferenceRequest.of("x", Tensor.of(new float[4], 1, 4)))));
      }
      try (ModelService lenient = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(onnx).build()) {
        assertFalse(lenient.manifest(ModelRef.parse("mlp:1")).blobs().isEmpty(), "unknown fields are still ignored");
      }
    }
  }
}
