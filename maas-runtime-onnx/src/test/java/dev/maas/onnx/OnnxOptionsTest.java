package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import dev.maas.Tensor;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link OnnxOptions}: defaults, derivation, and what reaches ONNX Runtime's session options. */
class OnnxOptionsTest {

  @Test
  void poolsDoNotSpinByDefault() {
    OnnxOptions d = OnnxOptions.defaults();
    assertFalse(d.intraOpSpinning());
    assertFalse(d.interOpSpinning());
    assertFalse(d.spinningStopsAfterRun());
    assertFalse(new OnnxOptions(2, 1, OnnxOptions.OptimizationLevel.ALL, List.of(ExecutionProvider.cpu()))
        .intraOpSpinning(), "the four-setting constructor keeps the default");
    assertFalse(new OnnxOptions(2, 1, OnnxOptions.OptimizationLevel.ALL, List.of(ExecutionProvider.cpu()), true, false)
        .spinningStopsAfterRun(), "the six-setting constructor keeps the default");
  }

  @Test
  void spinningSurvivesEveryOtherDerivation() {
    OnnxOptions o = OnnxOptions.defaults().withSpinning(true, false).withSpinningStopsAfterRun(true)
        .withThreads(2, 1)
        .withOptimizationLevel(OnnxOptions.OptimizationLevel.BASIC)
        .withExecutionProviders(List.of(ExecutionProvider.cpu()));
    assertTrue(o.intraOpSpinning());
    assertFalse(o.interOpSpinning());
    assertTrue(o.spinningStopsAfterRun());
    assertEquals(2, o.intraOpThreads());
    assertEquals(OnnxOptions.OptimizationLevel.BASIC, o.optimizationLevel());
    OnnxOptions back = o.withSpinning(false, true);
    assertFalse(back.intraOpSpinning());
    assertTrue(back.interOpSpinning());
    assertTrue(back.spinningStopsAfterRun(), "withSpinning keeps the stop setting");
    assertEquals(o.withSpinning(false, true), back);
    assertFalse(back.withSpinningStopsAfterRun(false).spinningStopsAfterRun());
    assertTrue(back.withSpinningStopsAfterRun(false).interOpSpinning(), "and the stop setting keeps spinning");
  }

  @ParameterizedTest
  @CsvSource({"false, false, false, 0, 0, 0", "true, false, true, 1, 0, 1", "false, true, true, 0, 1, 1",
      "true, true, true, 1, 1, 1", "true, false, false, 1, 0, 0"})
  void theSpinningSettingsReachTheSessionOptions(boolean intra, boolean inter, boolean stop, String intraEntry,
      String interEntry, String stopEntry) throws Exception {
    OnnxOptions o = OnnxOptions.defaults().withThreads(2, 1).withSpinning(intra, inter).withSpinningStopsAfterRun(stop);
    try (OrtSession.SessionOptions so = OnnxRuntime.sessionOptions(o, ExecutionProvider.cpu())) {
      Map<String, String> entries = so.getConfigEntries();
      assertEquals(intraEntry, entries.get("session.intra_op.allow_spinning"));
      assertEquals(interEntry, entries.get("session.inter_op.allow_spinning"));
      assertEquals(stopEntry, entries.get("session.force_spinning_stop"));
    }
  }

  @Test
  void thePublicCpuSessionOptionsAreTheOnesTheRuntimeUses() throws Exception {
    OnnxOptions o = OnnxOptions.defaults().withThreads(2, 1).withSpinning(true, false);
    try (OrtSession.SessionOptions mine = OnnxRuntime.cpuSessionOptions(o);
        OrtSession.SessionOptions runtimes = OnnxRuntime.sessionOptions(o, ExecutionProvider.cpu());
        OrtSession.SessionOptions plain = OnnxRuntime.cpuSessionOptions(OnnxOptions.defaults())) {
      assertEquals(runtimes.getConfigEntries(), mine.getConfigEntries());
      assertEquals("1", mine.getConfigEntries().get("session.intra_op.allow_spinning"));
      assertEquals("0", plain.getConfigEntries().get("session.intra_op.allow_spinning"), "maas's default");
    }
  }

  @ParameterizedTest
  @CsvSource({"false, false", "true, false", "true, true"})
  void aSessionWithTwoIntraOpThreadsRunsEitherWay(boolean spinning, boolean stopsAfterRun) {
    byte[] model = SampleModels.mlp(16, 32, 8, 3);
    float[] x = new float[4 * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) * 0.25f;
    }
    Tensor in = Tensor.of(x, 4, 16);
    try (OnnxRuntime rt = OnnxRuntime.create(OnnxOptions.defaults().withThreads(2, 1).withSpinning(spinning, false)
        .withSpinningStopsAfterRun(stopsAfterRun));
        LoadedModel m = rt.load(ModelSource.of(model, "mlp.onnx"))) {
      for (int i = 0; i < 3; i++) {
        Tensor y = m.run(Map.of("x", in)).values().iterator().next();
        assertArrayEquals(SampleModels.mlpReference(16, 32, 8, 3, in).toFloatArray(), y.toFloatArray(), 1e-4f);
      }
    }
  }
}
