package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maas.CallOptions;
import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (found by StoreDocumentFuzzTest): a timeout or queue delay too long for nanoseconds —
 * from a caller, or from a manifest's batching defaults ({@code "defaultTimeout": "P9999999999D"})
 * — overflowed {@code Duration.toNanos()}: the call failed with an ArithmeticException, and in the
 * batcher, the thread forming batches died, leaving queued calls waiting. Such durations now mean
 * "no deadline" and "wait as long as a deadline allows".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DurationOverflowTest {
  private static final Duration FOREVER = Duration.ofDays(10_000_000_000L);
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));

  @TempDir Path tmp;

  @Test
  void centuriesOfTimeoutAreNoDeadline() throws Exception {
    Path model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1));
    try (OnnxRuntime onnx = OnnxRuntime.create();
        ModelService maas = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(onnx).build()) {
      maas.deploy("plain", model);
      // Batching on, a preferred size of 2 and a queue delay of forever: a lone call waits for the
      // deadline it set, which must not be lost in an overflow either.
      maas.deploy("batched", model, DeployOptions.defaults().withBatching(BatchingPolicy.defaults().withMaxBatchSize(4)
          .withPreferredBatchSizes(java.util.List.of(1)).withMaxQueueDelay(FOREVER).withDefaultTimeout(FOREVER)));
      CallOptions forever = CallOptions.defaults().withTimeout(FOREVER);
      assertEquals(1, maas.predict(ModelRef.parse("plain"), ROW, forever).version().version());
      assertEquals(1, maas.predictAsync(ModelRef.parse("plain"), ROW, forever).get(30, TimeUnit.SECONDS).version().version());
      assertEquals(1, maas.predict(ModelRef.parse("batched"), ROW).version().version());
      assertEquals(1, maas.predictAsync(ModelRef.parse("batched"), ROW, forever).get(30, TimeUnit.SECONDS).version().version());
      assertEquals(1, maas.predict(ModelRef.parse("batched"), ROW, CallOptions.defaults().withTimeout(Duration.ofSeconds(5)))
          .version().version());
    }
  }
}
