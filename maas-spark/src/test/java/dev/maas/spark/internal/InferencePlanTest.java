package dev.maas.spark.internal;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceException;
import dev.maas.InferenceResult;
import dev.maas.Tensor;
import dev.maas.spark.InvalidRows;
import dev.maas.version.ModelVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferencePlanTest {
  private static final InferencePlan PLAN = new InferencePlan(null, "mlp", 3, List.of(), List.of(), 512,
      InvalidRows.fail(), false, 1, null);

  private static InferenceResult from(String model, long version) {
    return new InferenceResult(new ModelVersion(model, version), Map.of("y", Tensor.of(new float[] {1f}, 1, 1)));
  }

  @Test
  void theFixedVersionsAnswerPasses() {
    InferenceResult r = from("mlp", 3);
    assertSame(r, PLAN.answered(r));
  }

  @Test
  void anotherVersionOrModelFailsTheTaskNamingBoth() {
    InferenceException e = assertThrows(InferenceException.class, () -> PLAN.answered(from("mlp", 4)));
    assertTrue(e.getMessage().contains("asked for mlp:3 but mlp:4 answered"), e.getMessage());
    assertThrows(InferenceException.class, () -> PLAN.answered(from("other", 3)));
  }
}
