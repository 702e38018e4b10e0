package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.SchedulerStats;
import dev.maas.metrics.MaasMeterBinder;
import dev.maas.onnx.tools.SampleModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching against a real ONNX model: many callers, outputs checked row by row. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BatchingTest {
  @TempDir Path tmp;

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5f + 1e-5f * Math.abs(expected[i]),
          what + ": element " + i + " is " + actual[i] + ", unbatched gives " + expected[i]);
    }
  }

  @Test
  void sixtyFourCallersGetTheirOwnRowsFromBatchedRuns() throws Exception {
    Path model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(16, 64, 8, 3));
    int threads = 64;
    int perThread = 300;
    // Inputs and their unbatched outputs, computed with batching off.
    Random rnd = new Random(11);
    float[][] inputs = new float[256][16];
    float[][] expected = new float[256][];
    try (ModelService plain = ModelService.builder().storeDirectory(tmp.resolve("s1")).runtime(OnnxRuntime.create()).build()) {
      plain.deploy("mlp", model);
      for (int i = 0; i < inputs.length; i++) {
        for (int j = 0; j < 16; j++) {
          inputs[i][j] = (float) rnd.nextGaussian();
        }
        expected[i] = plain.predict(ModelRef.parse("mlp"), InferenceRequest.of("x", Tensor.of(inputs[i], 1, 16)))
            .output("y").toFloatArray();
      }
    }
    BatchingPolicy policy = BatchingPolicy.defaults().withMaxBatchSize(32).withMaxQueueDelay(Duration.ofMillis(2))
        .withInstances(2).withQueueCapacity(4096);
    try (ModelService maas = ModelService.builder().storeDirectory(tmp.resolve("s2")).runtime(OnnxRuntime.create())
        .batching(policy).build()) {
      maas.deploy("mlp", model);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MaasMeterBinder(maas).bindTo(registry);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final int id = t;
        fs.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            int k = (id * 31 + i * 7) % inputs.length;
            InferenceResult r = maas.predict(ModelRef.parse("mlp"), InferenceRequest.of("x", Tensor.of(inputs[k], 1, 16)));
            assertClose(expected[k], r.output("y").toFloatArray(), "thread " + id + " call " + i);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : fs) {
        f.get(150, TimeUnit.SECONDS);
      }
      pool.shutdown();
      SchedulerStats st = maas.stats().get(0);
      assertEquals(threads * perThread, st.completed());
      assertEquals(0, st.failed() + st.rejected() + st.expired());
      assertTrue(st.meanBatchSize() > 2, "64 callers should be batched: " + st);
      // the Micrometer view agrees with the snapshot
      registry.get("maas.versions.loaded").gauge().value();
      assertEquals((double) threads * perThread,
          registry.get("maas.requests").tag("outcome", "completed").tag("model", "mlp").gauge().value());
      assertTrue(registry.get("maas.batch.size.mean").tag("version", "1").gauge().value() > 2);
    }
  }

  @Test
  void asyncCallsAreBatchedWithoutAThreadEach() throws Exception {
    Path model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 2, 5));
    BatchingPolicy policy = BatchingPolicy.defaults().withMaxBatchSize(16).withMaxQueueDelay(Duration.ofMillis(5))
        .withInstances(1).withQueueCapacity(10_000);
    try (ModelService maas = ModelService.builder().storeDirectory(tmp.resolve("s")).runtime(OnnxRuntime.create())
        .batching("mlp", policy).build()) {
      maas.deploy("mlp", model);
      List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        fs.add(maas.predictAsync(ModelRef.parse("mlp"), InferenceRequest.of("x", Tensor.of(new float[] {i, 1, 2, 3}, 1, 4))));
      }
      for (int i = 0; i < fs.size(); i++) {
        float[] ref = SampleModels.mlpReference(4, 8, 2, 5, Tensor.of(new float[] {i, 1, 2, 3}, 1, 4)).toFloatArray();
        float[] got = fs.get(i).get(60, TimeUnit.SECONDS).output("y").toFloatArray();
        for (int j = 0; j < ref.length; j++) {
          assertTrue(Math.abs(ref[j] - got[j]) <= 1e-3f + 1e-4f * Math.abs(ref[j]), "call " + i);
        }
      }
      assertTrue(maas.stats().get(0).meanBatchSize() > 4, maas.stats().get(0).toString());
    }
  }
}
