package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.version.ModelVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceResultTest {
  private static final ModelVersion V = new ModelVersion("iris", 2);
  private static final Tensor A = Tensor.of(new float[] {1});
  private static final Tensor B = Tensor.of(new long[] {2});

  private static Map<String, Tensor> ordered(Object... kv) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Tensor) kv[i + 1]);
    }
    return m;
  }

  @Test
  void outputsByName() {
    InferenceResult r = new InferenceResult(V, ordered("probs", A, "label", B));
    assertSame(A, r.output("probs"));
    assertSame(B, r.output("label"));
    assertEquals(V, r.version());
  }

  @Test
  void aNullOutputNameIsInvalidInputWithOneOutputOrSeveral() {
    assertThrows(InvalidInputException.class, () -> new InferenceResult(V, ordered("probs", A)).output(null));
    assertThrows(InvalidInputException.class, () -> new InferenceResult(V, ordered("probs", A, "label", B)).output(null));
  }

  @Test
  void unknownOutputNameIsInvalidInputListingTheOutputs() {
    InferenceResult r = new InferenceResult(V, ordered("probs", A, "label", B));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> r.output("prob"));
    assertTrue(e.getMessage().contains("'prob'") && e.getMessage().contains("[probs, label]"), e.getMessage());
  }

  @Test
  void theOnlyOutputNeedsExactlyOne() {
    assertSame(A, new InferenceResult(V, ordered("y", A)).output());
    IllegalStateException two = assertThrows(IllegalStateException.class,
        () -> new InferenceResult(V, ordered("y", A, "z", B)).output());
    assertTrue(two.getMessage().contains("2 outputs"), two.getMessage());
    assertThrows(IllegalStateException.class, () -> new InferenceResult(V, Map.of()).output());
  }

  @Test
  void outputsKeepOrderAndAreACopy() {
    Map<String, Tensor> m = ordered("z", A, "a", B);
    InferenceResult r = new InferenceResult(V, m);
    m.clear();
    assertEquals(List.of("z", "a"), List.copyOf(r.outputs().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> r.outputs().put("x", A));
  }

  @Test
  void versionIsRequired() {
    assertThrows(NullPointerException.class, () -> new InferenceResult(null, Map.of()));
  }
}
