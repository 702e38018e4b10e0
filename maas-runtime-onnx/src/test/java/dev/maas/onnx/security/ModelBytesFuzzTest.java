package dev.maas.onnx.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.InferenceException;
import dev.maas.InferenceRequest;
import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ModelLoadException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.testing.Fuzzing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Random bytes in place of a model — pure noise, noise behind a real model's first bytes, a real
 * model truncated, a real model with bytes changed — handed to the service by a deployer, and slipped
 * into the store with a matching manifest by a tamperer (who can rewrite unsigned manifests; the
 * store is in memory, so that cases run at the speed of the code, not of fsync). ONNX
 * Runtime parses each in the service's process: every case ends with a load failure, or a model
 * that loads and then runs or refuses the request, typed; none hangs, none crashes the JVM.
 */
@AddLifecycleHook(Fuzzing.class)
class ModelBytesFuzzTest {
  private static final byte[] REAL = SampleModels.mlp(4, 8, 3, 1);
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
  private static final Set<Class<? extends MaasException>> ALLOWED = Set.of(ModelLoadException.class,
      InvalidInputException.class, InferenceException.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path dir;
  private static OnnxRuntime onnx;
  private static ModelService maas;
  private static MemoryStore store;
  private static ObjectNode manifest;
  private static final AtomicLong NEXT = new AtomicLong(1);

  @BeforeContainer
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("maas-bytes-fuzz");
    onnx = OnnxRuntime.create();
    store = new MemoryStore();
    maas = ModelService.builder().store(store).runtime(onnx).refreshInterval(java.time.Duration.ofHours(1)).build();
    maas.deploy("t", Files.write(dir.resolve("real.onnx"), REAL));
    manifest = (ObjectNode) JSON.readTree(store.readManifest("t", 1).orElseThrow());
  }

  @AfterContainer
  static void tearDown() throws Exception {
    maas.close();
    onnx.close();
    try (var all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** How the bytes are made. */
  enum Kind { NOISE, REAL_PREFIX_THEN_NOISE, TRUNCATED, MUTATED, EMPTY }

  static byte[] bytes(Kind kind, long seed) {
    Random r = new Random(seed);
    switch (kind) {
      case NOISE: {
        byte[] b = new byte[r.nextInt(4096)];
        r.nextBytes(b);
        return b;
      }
      case REAL_PREFIX_THEN_NOISE: {
        int keep = r.nextInt(REAL.length);
        byte[] b = java.util.Arrays.copyOf(REAL, keep + r.nextInt(512));
        byte[] noise = new byte[b.length - keep];
        r.nextBytes(noise);
        System.arraycopy(noise, 0, b, keep, noise.length);
        return b;
      }
      case TRUNCATED:
        return java.util.Arrays.copyOf(REAL, r.nextInt(REAL.length));
      case MUTATED: {
        byte[] b = REAL.clone();
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
      }
      default:
        return new byte[0];
    }
  }

  @Provide
  Arbitrary<Kind> kinds() {
    return Arbitraries.of(Kind.class);
  }

  /** Runs a version that loaded, then removes it so loaded models do not pile up. */
  private static void runAndRemove(String model, long version) {
    Statistics.collect("run: " + Bounded.run(ALLOWED, () -> maas.predict(ModelRef.of(model, version), ROW)));
    Bounded.run(ALLOWED, () -> {
      maas.undeploy(model, version);
      return null;
    });
  }

  @Property(tries = 2_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyBytesDeployedFailToLoadOrRunTyped(@ForAll("kinds") Kind kind, @ForAll long seed) throws Exception {
    Path file = Files.write(dir.resolve("candidate.onnx"), bytes(kind, seed));
    String outcome = Bounded.run(ALLOWED, () -> maas.deploy("d", file));
    Statistics.collect("deploy: " + outcome);
    if (outcome.equals("ok")) {
      runAndRemove("d", maas.versions("d").get(maas.versions("d").size() - 1).version());
    }
  }

  @Property(tries = 3_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyBytesSlippedIntoTheStoreFailToLoadOrRunTyped(@ForAll("kinds") Kind kind, @ForAll long seed) throws Exception {
    byte[] b = bytes(kind, seed);
    String sha = store.tamperBlob(b);
    long v = NEXT.incrementAndGet();
    ObjectNode m = manifest.deepCopy();
    m.put("version", v);
    ObjectNode blob = (ObjectNode) m.get("blobs").get(0);
    blob.put("sha256", sha);
    blob.put("size", b.length);
    store.tamperManifest("t", v, JSON.writeValueAsBytes(m));
    Statistics.collect("load: " + Bounded.run(Set.of(ModelLoadException.class, IntegrityException.class,
        InvalidInputException.class, InferenceException.class), () -> maas.predict(ModelRef.of("t", v), ROW)));
    Bounded.run(ALLOWED, () -> {
      maas.undeploy("t", v);
      return null;
    });
  }
}
