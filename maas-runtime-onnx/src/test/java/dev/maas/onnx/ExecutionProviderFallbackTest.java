package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DType;
import dev.maas.ModelLoadException;
import dev.maas.Tensor;
import dev.maas.onnx.internal.OnnxLoadedModel;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CUDA path as CI can test it: without a usable GPU (no GPU here, and the CPU build of ONNX
 * Runtime has no CUDA provider at all) a model asked for on CUDA-then-CPU loads on the CPU, and a
 * model asked for on CUDA only fails with a clear ModelLoadException.
 */
class ExecutionProviderFallbackTest {
  private static final byte[] MODEL = SampleModels.identity(DType.FLOAT32);

  @Test
  void cudaThenCpuFallsBackToCpuAndRuns() {
    OnnxRuntime rt = OnnxRuntime.create(OnnxOptions.defaults().withExecutionProviders(
        List.of(ExecutionProvider.cuda(0), ExecutionProvider.cpu())));
    try (LoadedModel m = rt.load(ModelSource.of(MODEL, "identity.onnx"))) {
      assertEquals("cpu", ((OnnxLoadedModel) m).device());
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
      assertEquals(x, m.run(Map.of("x", x)).get("y"));
    }
  }

  @Test
  void cudaOnlyFailsClearly() {
    OnnxRuntime rt = OnnxRuntime.create(OnnxOptions.defaults().withExecutionProviders(
        List.of(ExecutionProvider.cuda(0))));
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> rt.load(ModelSource.of(MODEL, "identity.onnx")));
    assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
    assertTrue(e.getMessage().contains("CPU is not among the allowed providers"), e.getMessage());
  }

  @Test
  void optionsRejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> OnnxOptions.defaults().withExecutionProviders(List.of()));
    assertThrows(IllegalArgumentException.class, () -> OnnxOptions.defaults().withExecutionProviders(
        List.of(ExecutionProvider.cpu(), ExecutionProvider.cpu())));
    assertThrows(IllegalArgumentException.class, () -> OnnxOptions.defaults().withThreads(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> ExecutionProvider.cuda(-1));
  }
}
