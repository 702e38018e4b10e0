package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.ModelSource;
import dev.maas.store.CachingModelStore;
import dev.maas.store.FileSystemModelStore;
import dev.maas.testing.RecordingRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model the local cache vouches for reaches ONNX Runtime as the cache's file, which is named by
 * the model's digest, not by the model: the runtime must still know the model by its own name, for
 * messages and for ONNX Runtime's own format ({@code .ort}), which ORT tells from a file by its
 * extension.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedModelFileTest {
  private static final int IN = 6;
  private static final int HIDDEN = 10;
  private static final int OUT = 3;

  @TempDir Path tmp;

  private CachingModelStore cache() {
    return CachingModelStore.builder(FileSystemModelStore.open(tmp.resolve("store"))).directory(tmp.resolve("cache"))
        .maximumBytes(64L << 20).build();
  }

  @Test
  void anOrtFormatModelLoadsFromTheDigestNamedCacheFileUnderItsOwnName() throws Exception {
    Path onnx = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(IN, HIDDEN, OUT, 4));
    Path ort = tmp.resolve("mlp.ort");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizedModelFilePath(ort.toString());
      so.addConfigEntry("session.save_model_format", "ORT");
      env.createSession(onnx.toString(), so).close();
    }
    assertTrue(Files.size(ort) > 0, "ONNX Runtime wrote the model in its own format");

    try (OnnxRuntime onnxRuntime = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1))) {
      try (ModelService deployer = ModelService.builder().store(cache()).runtime(onnxRuntime).build()) {
        deployer.deploy("mlp", ort);
      }
      RecordingRuntime recording = new RecordingRuntime(onnxRuntime);
      try (ModelService service = ModelService.builder().store(cache()).runtime(recording).build()) {
        float[] x = new float[2 * IN];
        for (int i = 0; i < x.length; i++) {
          x[i] = (i % 5) * 0.3f - 0.6f;
        }
        Tensor in = Tensor.of(x, 2, IN);
        Tensor y = service.predict(ModelRef.parse("mlp:1"), InferenceRequest.of("x", in)).output("y");

        assertArrayEquals(SampleModels.mlpReference(IN, HIDDEN, OUT, 4, in).toFloatArray(), y.toFloatArray(), 1e-4f);
        assertEquals(1, recording.loaded().size(), "loaded once: " + recording.loaded());
        ModelSource source = recording.loaded().get(0);
        assertTrue(source.path() != null && source.path().startsWith(tmp.resolve("cache")),
            "the cache's file, not a copy in memory: " + source);
        assertEquals("mlp.ort", source.fileName());
      }
    }
  }
}
