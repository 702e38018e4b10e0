package dev.maas.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.store.CachingModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of three {@link ModelService}s, each with its own S3 store and local cache as on three
 * machines, sharing one bucket: what one deploys and promotes, the other two serve within one
 * refresh interval, with no call to them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetTest {
  private static final Duration REFRESH = Duration.ofSeconds(1);
  /** Time allowed on top of the refresh interval: one catalog reload and one model load. */
  private static final Duration SLACK = Duration.ofMillis(1500);

  @TempDir Path temp;

  @Test
  void aDeployAndPromotionThroughOneInstanceIsServedByTheOthersWithinOneRefreshInterval() throws Exception {
    List<AutoCloseable> resources = new ArrayList<>();
    try (LocalS3 s3 = LocalS3.inMemory(); OnnxRuntime runtime = OnnxRuntime.create()) {
      String bucket = s3.createBucket("fleet");
      List<ModelService> fleet = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        S3ModelStore store = S3ModelStore.builder().bucket(bucket).prefix("models").endpoint(s3.endpoint())
            .credentialsProvider(s3.credentials()).build();
        CachingModelStore cache = CachingModelStore.builder(store).directory(temp.resolve("cache-" + i))
            .maximumBytes(64L << 20).build();
        ModelService service = ModelService.builder().store(cache).runtime(runtime).refreshInterval(REFRESH).build();
        resources.add(store);
        resources.add(service);
        fleet.add(service);
      }
      ModelService deployer = fleet.get(0);
      Path v1 = Files.write(temp.resolve("v1.onnx"), SampleModels.mlp(4, 8, 3, 1));
      Path v2 = Files.write(temp.resolve("v2.onnx"), SampleModels.mlp(4, 8, 3, 2));

      deployer.deploy("mlp", v1);
      deployer.setAlias("mlp", "prod", 1);
      for (ModelService member : fleet) {
        assertServes(member, "mlp@prod", 1, 1);
        assertServes(member, "mlp", 1, 1);
      }

      deployer.deploy("mlp", v2);
      deployer.setAlias("mlp", "prod", 2);
      long promoted = System.nanoTime();

      assertServes(deployer, "mlp@prod", 2, 2);
      for (ModelService member : fleet.subList(1, 3)) {
        long millis = untilServed(member, "mlp@prod", 2, promoted);
        System.out.println("fleet: an instance served version 2 of mlp@prod " + millis + " ms after the promotion");
        assertTrue(millis <= REFRESH.plus(SLACK).toMillis(),
            "served version 2 after " + millis + " ms; refresh interval " + REFRESH.toMillis() + " ms");
        assertServes(member, "mlp@prod", 2, 2);
        assertServes(member, "mlp", 2, 2);
        assertServes(member, "mlp:1", 1, 1);
      }
      long total = (System.nanoTime() - promoted) / 1_000_000;
      assertTrue(total <= REFRESH.plus(SLACK).toMillis(), "whole fleet on version 2 after " + total + " ms");
    } finally {
      for (int i = resources.size() - 1; i >= 0; i--) {
        resources.get(i).close();
      }
    }
  }

  /** Polls {@code ref} until it is served by {@code version}; returns the milliseconds since {@code start}. */
  private static long untilServed(ModelService service, String ref, long version, long start)
      throws InterruptedException {
    long deadline = start + TimeUnit.SECONDS.toNanos(10);
    while (service.predict(ModelRef.parse(ref), request()).version().version() != version) {
      assertTrue(System.nanoTime() < deadline, ref + " never reached version " + version);
      Thread.sleep(20);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static InferenceRequest request() {
    return InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4, -1, 0.5f, 0, 2}, 2, 4));
  }

  private static void assertServes(ModelService service, String ref, long version, long seed) {
    InferenceResult r = service.predict(ModelRef.parse(ref), request());
    assertEquals(version, r.version().version(), ref);
    float[] expected = SampleModels.mlpReference(4, 8, 3, seed, request().inputs().get("x")).toFloatArray();
    float[] actual = r.output("y").toFloatArray();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5, ref + " output " + i);
    }
  }
}
