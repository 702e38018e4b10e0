package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ModelSignature;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import dev.maas.spi.Runtime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: the model manager checked a local blob's digest, then handed the runtime the store's
 * file, which the runtime read again. Whoever could replace that file between the two reads got
 * unchecked bytes loaded. Now the runtime gets the bytes that were checked.
 */
class VerifiedBytesAreLoadedTest {
  @TempDir Path tmp;

  @Test
  void aBlobReplacedAfterItsDigestWasCheckedIsNotWhatRuns() throws Exception {
    Path storeDir = tmp.resolve("store");
    byte[] published = SampleModels.mlp(4, 8, 3, 1);
    byte[] substitute = SampleModels.mlp(4, 8, 3, 2);
    Path file = Files.write(tmp.resolve("a.onnx"), published);
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    List<ModelSource> seen = new ArrayList<>();
    try (OnnxRuntime onnx = OnnxRuntime.create()) {
      // A runtime that swaps the store's blob file just before it loads: the race, made certain.
      Runtime racing = new Runtime() {
        @Override public String name() { return onnx.name(); }
        @Override public ModelSignature inspect(ModelSource source) { return onnx.inspect(source); }
        @Override public void close() {}

        @Override
        public LoadedModel load(ModelSource source) {
          seen.add(source);
          try (var blobs = Files.list(storeDir.resolve("blobs/sha256"))) {
            for (Path blob : blobs.toList()) {
              Files.write(blob, substitute);
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return onnx.load(source);
        }
      };
      try (ModelService maas = ModelService.builder().storeDirectory(storeDir).runtime(racing).build()) {
        maas.deploy("mlp", file);
        Tensor y = maas.predict(ModelRef.parse("mlp:1"), InferenceRequest.of("x", x)).output("y");
        assertArrayEquals(SampleModels.mlpReference(4, 8, 3, 1, x).toFloatArray(), y.toFloatArray(), 1e-5f);
      }
    }
    assertNull(seen.get(0).path(), "the runtime is handed the checked bytes, not the store's file");
  }
}
