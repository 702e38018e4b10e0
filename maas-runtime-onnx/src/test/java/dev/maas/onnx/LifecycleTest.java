package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.CallOptions;
import dev.maas.CapacityException;
import dev.maas.ConflictException;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.event.ModelEvent;
import dev.maas.internal.DefaultModelService;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.version.Alias;
import dev.maas.version.ModelVersion;
import dev.maas.version.ShadowStats;
import dev.maas.version.VersionPolicy;
import dev.maas.version.VersionResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Versions, routing, hot swaps, budgets and events, on a real filesystem store and ONNX Runtime. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LifecycleTest {
  @TempDir Path tmp;
  static final float[] X = {0.5f, -1, 2, 0.25f};
  static final InferenceRequest REQ = InferenceRequest.of("x", Tensor.of(X, 1, 4));

  Path model(long seed) throws Exception {
    return Files.write(tmp.resolve("m" + seed + ".onnx"), SampleModels.mlp(4, 16, 3, seed));
  }

  static float[] expected(long seed) {
    return SampleModels.mlpReference(4, 16, 3, seed, Tensor.of(X, 1, 4)).toFloatArray();
  }

  static void assertClose(float[] e, float[] a, String what) {
    assertEquals(e.length, a.length, what + ": length");
    for (int i = 0; i < e.length; i++) {
      assertTrue(Math.abs(e[i] - a[i]) <= 1e-4f + 1e-4f * Math.abs(e[i]), what + ": " + a[i] + " vs " + e[i]);
    }
  }

  ModelService.Builder builder(String store) {
    return ModelService.builder().storeDirectory(tmp.resolve(store))
        .runtime(OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1)));
  }

  @Test
  void swapsUnderLoadDropNothingAndEveryResultMatchesItsVersion() throws Exception {
    List<ModelEvent> events = new CopyOnWriteArrayList<>();
    try (ModelService maas = builder("s").eventListener(events::add).build()) {
      ModelVersion v1 = maas.deploy("m", model(1));
      ModelVersion v2 = maas.deploy("m", model(2));
      Map<Long, float[]> expected = Map.of(1L, expected(1), 2L, expected(2));
      maas.setAlias("m", "prod", 1);
      int threads = 32;
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      Map<Long, AtomicLong> byVersion = Map.of(1L, new AtomicLong(), 2L, new AtomicLong());
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          while (!stop.get()) {
            InferenceResult r = maas.predict(ModelRef.parse("m@prod"), REQ); // any exception fails the test
            long v = r.version().version();
            assertClose(expected.get(v), r.output("y").toFloatArray(), "result of " + r.version());
            byVersion.get(v).incrementAndGet();
            calls.incrementAndGet();
          }
          return null;
        }));
      }
      for (int i = 0; i < 20; i++) {
        Thread.sleep(50);
        Alias a = maas.setAlias("m", "prod", i % 2 == 0 ? 2 : 1);
        assertEquals(i % 2 == 0 ? 2 : 1, a.version());
        // after setAlias returns, new calls go to the new version
        assertEquals(a.version(), maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      }
      stop.set(true);
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(byVersion.get(1L).get() > 0 && byVersion.get(2L).get() > 0, byVersion.toString());
      assertTrue(calls.get() > 100, "calls " + calls);
      long moved = awaitEvents(events, e -> e instanceof ModelEvent.AliasMoved && ((ModelEvent.AliasMoved) e).alias().equals("prod"), 20);
      assertEquals(20, moved, "one AliasMoved per switch (the first call's routing is not a move)");
      assertTrue(awaitEvents(events, e -> e instanceof ModelEvent.VersionRetired, 1) >= 1, "old versions are retired");
      assertTrue(awaitEvents(events, e -> e instanceof ModelEvent.VersionPublished
          && ((ModelEvent.VersionPublished) e).version().equals(v2), 1) == 1, "publishing v2 is an event");
      assertEquals(v1.model(), v2.model());
      // Each swap retired a version's scheduler: once drained, its batcher threads end (at most the two
      // versions loaded now keep theirs, one per instance).
      int instances = dev.maas.batch.BatchingPolicy.defaults().instances();
      long deadline = System.nanoTime() + 10_000_000_000L;
      long batchers;
      while ((batchers = batcherThreads("maas-m:")) > 2L * instances && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(batchers <= 2L * instances, batchers + " batcher threads of m alive after 20 swaps");
    }
  }

  private static long batcherThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }

  /**
   * A version a slot no longer routes to is retired even while another model swaps to a version of
   * the same number (the swap in flight used to be matched by number alone, across models).
   */
  @Test
  void anotherModelSwappingToTheSameVersionNumberDoesNotKeepAVersionLoaded() throws Exception {
    List<ModelEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch gatedLoadStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (OnnxRuntime onnx = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1))) {
      dev.maas.spi.Runtime gated = new dev.maas.spi.Runtime() {
        @Override
        public String name() {
          return onnx.name();
        }

        @Override
        public dev.maas.ModelSignature inspect(dev.maas.spi.ModelSource source) {
          return onnx.inspect(source);
        }

        @Override
        public dev.maas.spi.LoadedModel load(dev.maas.spi.ModelSource source) {
          if (source.fileName().startsWith("gated")) { // b:2's load waits until the test is done
            gatedLoadStarted.countDown();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return onnx.load(source);
        }
      };
      ExecutorService promoter = Executors.newSingleThreadExecutor();
      try (ModelService maas = ModelService.builder().storeDirectory(tmp.resolve("g")).runtime(gated)
          .eventListener(events::add).build()) {
        maas.deploy("a", model(1));
        maas.deploy("a", model(2));
        maas.setAlias("a", "prod", 2);
        assertEquals(2, maas.predict(ModelRef.parse("a@prod"), REQ).version().version());
        maas.deploy("b", model(3));
        maas.deploy("b", Files.copy(model(4), tmp.resolve("gated.onnx")));
        maas.setAlias("b", "prod", 1);
        assertEquals(1, maas.predict(ModelRef.parse("b@prod"), REQ).version().version()); // b@prod is served
        Future<Alias> bToTwo = promoter.submit(() -> maas.setAlias("b", "prod", 2));
        assertTrue(gatedLoadStarted.await(30, TimeUnit.SECONDS), "b:2 starts loading");

        maas.setAlias("a", "prod", 1); // a:2 is routed to no more
        ModelVersion a2 = new ModelVersion("a", 2);
        long retired = awaitEvents(events, e -> e instanceof ModelEvent.VersionRetired
            && ((ModelEvent.VersionRetired) e).version().equals(a2), 1);
        assertEquals(1, retired, "a:2 retired while b swaps to its own version 2: " + events);

        release.countDown();
        assertEquals(2, bToTwo.get(30, TimeUnit.SECONDS).version());
      } finally {
        release.countDown();
        promoter.shutdownNow();
      }
    }
  }

  @Test
  void aFailedSwapKeepsTheOldVersionServing() throws Exception {
    List<ModelEvent> events = new CopyOnWriteArrayList<>();
    try (ModelService maas = builder("s").eventListener(events::add).build()) {
      maas.deploy("m", model(1));
      Path bad = model(3);
      maas.deploy("m", bad);
      maas.setAlias("m", "prod", 1);
      assertEquals(1, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      // corrupt version 2's blob in the store
      String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bad)));
      Path blob = tmp.resolve("s/blobs/sha256/" + sha);
      byte[] b = Files.readAllBytes(blob);
      b[b.length / 3] ^= 0x55;
      Files.write(blob, b);
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        fs.add(pool.submit(() -> {
          while (!stop.get()) {
            assertEquals(1, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
          }
          return null;
        }));
      }
      maas.setAlias("m", "prod", 2); // returns; routing stays on 1
      Thread.sleep(200);
      stop.set(true);
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(1, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      awaitEvents(events, e -> e instanceof ModelEvent.LoadFailed, 1);
      ModelEvent.LoadFailed failed = (ModelEvent.LoadFailed) events.stream()
          .filter(e -> e instanceof ModelEvent.LoadFailed).findFirst().orElseThrow();
      assertEquals(new ModelVersion("m", 2), failed.version());
      assertInstanceOf(dev.maas.IntegrityException.class, failed.cause());
    }
  }

  @Test
  void aWeightedSplitIsStickyPerKeyAndFollowsTheWeights() throws Exception {
    try (ModelService maas = builder("s").build()) {
      maas.deploy("m", model(1));
      maas.deploy("m", model(2));
      maas.setAlias("m", "prod", 1);
      maas.setAlias("m", "canary", 2);
      ModelRef ref = ModelRef.routed("m", VersionResolver.split(
          new LinkedHashMap<>(Map.of(VersionResolver.alias("prod"), 90, VersionResolver.alias("canary"), 10))));
      Map<String, Long> firstSeen = new HashMap<>();
      int canary = 0;
      int n = 10_000;
      for (int i = 0; i < n; i++) {
        String key = "user-" + i;
        long v = maas.predict(ref, REQ, CallOptions.defaults().withRequestKey(key)).version().version();
        firstSeen.put(key, v);
        if (v == 2) {
          canary++;
        }
      }
      double share = canary / (double) n;
      assertTrue(Math.abs(share - 0.10) <= 0.02, "canary share " + share);
      for (int i = 0; i < n; i += 7) {
        String key = "user-" + i;
        assertEquals(firstSeen.get(key), maas.predict(ref, REQ, CallOptions.defaults().withRequestKey(key)).version().version(),
            "key " + key + " must be sticky");
      }
      // without a key: random by weight
      int c = 0;
      for (int i = 0; i < 2_000; i++) {
        c += maas.predict(ref, REQ).version().version() == 2 ? 1 : 0;
      }
      assertTrue(Math.abs(c / 2000.0 - 0.10) <= 0.03, "unkeyed canary share " + c / 2000.0);
    }
  }

  @Test
  void aShadowGetsCopiesWithoutDelayingTheCaller() throws Exception {
    try (ModelService maas = builder("s").build()) {
      maas.deploy("m", model(1));
      maas.deploy("m", model(2));
      maas.deploy("m", model(1)); // version 3: same weights as 1
      maas.setAlias("m", "prod", 1);
      maas.setAlias("m", "canary", 2);
      maas.setAlias("m", "same", 3);
      ModelRef differs = ModelRef.routed("m", VersionResolver.alias("prod").withShadow(VersionResolver.alias("canary")));
      ModelRef agrees = ModelRef.routed("m", VersionResolver.alias("prod").withShadow(VersionResolver.alias("same")));
      for (int i = 0; i < 50; i++) {
        assertEquals(1, maas.predict(differs, REQ).version().version());
        assertEquals(1, maas.predict(agrees, REQ).version().version());
      }
      long until = System.nanoTime() + 10_000_000_000L;
      Map<ModelVersion, ShadowStats> byVersion = new HashMap<>();
      while (System.nanoTime() < until) {
        byVersion.clear();
        maas.shadowStats().forEach(s -> byVersion.put(s.shadow(), s));
        if (byVersion.size() == 2 && byVersion.values().stream().allMatch(s -> s.compared() == 50)) {
          break;
        }
        Thread.sleep(10);
      }
      assertEquals(50, byVersion.get(new ModelVersion("m", 2)).compared());
      assertEquals(0.0, byVersion.get(new ModelVersion("m", 2)).agreement());
      assertEquals(1.0, byVersion.get(new ModelVersion("m", 3)).agreement());
    }
  }

  @Test
  void rollbackWalksBackThroughTheHistory() throws Exception {
    try (ModelService maas = builder("s").build()) {
      for (long s = 1; s <= 3; s++) {
        maas.deploy("m", model(s));
      }
      maas.setAlias("m", "prod", 1);
      maas.setAlias("m", "prod", 2);
      maas.setAlias("m", "prod", 3);
      assertEquals(3, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      assertEquals(2, maas.rollback("m", "prod").version());
      assertEquals(2, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      Alias back = maas.rollback("m", "prod");
      assertEquals(1, back.version());
      assertTrue(back.history().get(back.history().size() - 1).rollback());
      assertEquals(1, maas.predict(ModelRef.parse("m@prod"), REQ).version().version());
      assertThrows(ConflictException.class, () -> maas.rollback("m", "prod"));
    }
  }

  @Test
  void evictionKeepsLoadedModelsWithinTheBudgetAndNeverTakesABusyOne() throws Exception {
    Path a = model(1);
    long size = Files.size(a);
    List<ModelEvent> events = new CopyOnWriteArrayList<>();
    try (ModelService maas = builder("s").memoryBudget(2 * size + size / 2).eventListener(events::add).build()) {
      for (String name : List.of("a", "b", "c")) {
        maas.deploy(name, a);
      }
      DefaultModelService impl = (DefaultModelService) maas;
      for (int round = 0; round < 3; round++) {
        for (String name : List.of("a", "b", "c")) {
          assertClose(expected(1), maas.predict(ModelRef.parse(name), REQ).output("y").toFloatArray(), name);
          assertTrue(maas.stats().size() <= 2, "at most two loaded: " + maas.stats());
        }
      }
      assertTrue(awaitEvents(events, e -> e instanceof ModelEvent.VersionEvicted, 1) >= 1);
      // the least recently used went: c was just used, so it is loaded
      assertTrue(impl.isLoaded(new ModelVersion("c", 1)));
    }
  }

  @Test
  void aBusyVersionIsNeverEvicted() throws Exception {
    Path big = Files.write(tmp.resolve("big.onnx"), SampleModels.mlp(64, 512, 64, 4));
    long size = Files.size(big);
    // 'busy' batches with a long straggler wait, so a queued call keeps it busy for as long as we like
    try (ModelService maas = builder("s").memoryBudget(size + size / 2)
        .batching("busy", dev.maas.batch.BatchingPolicy.defaults().withMaxBatchSize(8)
            .withMaxQueueDelay(Duration.ofSeconds(30)).withInstances(1))
        .build()) {
      maas.deploy("busy", big);
      maas.deploy("other", big);
      InferenceRequest in = InferenceRequest.of("x", Tensor.of(new float[64], 1, 64));
      java.util.concurrent.CompletableFuture<InferenceResult> held = maas.predictAsync(ModelRef.parse("busy"), in);
      for (int i = 0; i < 5; i++) {
        CapacityException e = assertThrows(CapacityException.class, () -> maas.predict(ModelRef.parse("other"), in));
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("busy or pinned"), e.getMessage());
      }
      assertTrue(!held.isDone(), "the held call is still queued on 'busy'");
      held.cancel(true); // now 'busy' is idle, and evictable
      assertEquals(1, maas.predict(ModelRef.parse("other"), in).version().version());
      assertTrue(((DefaultModelService) maas).isLoaded(new ModelVersion("other", 1)));
      assertTrue(!((DefaultModelService) maas).isLoaded(new ModelVersion("busy", 1)), "idle 'busy' was evicted");
    }
  }

  @Test
  void aPromotionThroughOneServiceIsServedByAnotherWithinAPollInterval() throws Exception {
    Duration interval = Duration.ofMillis(300);
    try (ModelService a = builder("shared").refreshInterval(interval).build();
        ModelService b = builder("shared").refreshInterval(interval).build()) {
      a.deploy("m", model(1));
      a.deploy("m", model(2));
      a.setAlias("m", "prod", 1);
      assertEquals(1, b.predict(ModelRef.parse("m@prod"), REQ).version().version());
      long start = System.nanoTime();
      a.setAlias("m", "prod", 2);
      while (b.predict(ModelRef.parse("m@prod"), REQ).version().version() != 2) {
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "b never saw the promotion");
        Thread.sleep(5);
      }
      double ms = (System.nanoTime() - start) / 1e6;
      System.out.printf("promotion seen by the second service after %.0f ms (poll interval %d ms)%n", ms, interval.toMillis());
      // one interval, plus the time to load and warm up version 2 before switching
      assertTrue(ms < interval.toMillis() + 2_000, "took " + ms + " ms");
    }
  }

  @Test
  void aPinnedVersionIsLoadedBeforeItsFirstCall() throws Exception {
    List<ModelEvent> events = new CopyOnWriteArrayList<>();
    try (ModelService maas = builder("s").versionPolicy("m", VersionPolicy.latest(1)).eventListener(events::add).build()) {
      maas.deploy("m", model(1));
      maas.list();
      long until = System.nanoTime() + 10_000_000_000L;
      DefaultModelService impl = (DefaultModelService) maas;
      while (!impl.isLoaded(new ModelVersion("m", 1)) && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertTrue(impl.isLoaded(new ModelVersion("m", 1)), "latest(1) preloads the newest version");
      while (events.stream().noneMatch(e -> e instanceof ModelEvent.VersionLoaded) && System.nanoTime() < until) {
        Thread.sleep(5); // events arrive on their own thread
      }
      assertTrue(events.stream().anyMatch(e -> e instanceof ModelEvent.VersionLoaded));
    }
  }

  @Test
  void loadingAndEvictingFiftyTimesDoesNotGrowTheProcess() throws Exception {
    Path big = Files.write(tmp.resolve("big.onnx"), SampleModels.mlp(256, 1024, 256, 6));
    long size = Files.size(big);
    try (ModelService maas = builder("s").memoryBudget(size + size / 2).build()) {
      maas.deploy("a", big);
      maas.deploy("b", big);
      InferenceRequest req = InferenceRequest.of("x", Tensor.of(new float[256], 1, 256));
      long[] rss = new long[50];
      for (int i = 0; i < 50; i++) {
        maas.predict(ModelRef.parse(i % 2 == 0 ? "a" : "b"), req); // each load evicts the other
        System.gc();
        rss[i] = rssKb();
      }
      long settled = rss[15];
      assertTrue(settled > 0, "no VmRSS in /proc/self/status: this check needs Linux");
      long end = rss[49];
      System.out.printf("RSS after 16 loads %d kB, after 50 %d kB (model %d kB)%n", settled, end, size / 1024);
      assertTrue(end - settled < 4 * size / 1024 + 20_000,
          "RSS kept growing: " + settled + " kB -> " + end + " kB over 34 load/evict cycles of a " + size / 1024 + " kB model");
    }
  }

  @Test
  void aDeployersWarmUpSampleIsStoredAndRunBeforeTraffic() throws Exception {
    try (ModelService maas = builder("s").build()) {
      ModelVersion v = maas.deploy("m", model(1), dev.maas.DeployOptions.defaults().withWarmup(REQ));
      assertEquals(REQ.input("x"), maas.manifest(v.ref()).warmup().get("x").toTensor());
      assertClose(expected(1), maas.predict(v.ref(), REQ).output("y").toFloatArray(), "after warm-up");
      InferenceRequest wrong = InferenceRequest.of("x", Tensor.of(new float[3], 1, 3));
      assertThrows(dev.maas.InvalidInputException.class,
          () -> maas.deploy("m", model(2), dev.maas.DeployOptions.defaults().withWarmup(wrong)));
      assertEquals(1, maas.versions("m").size(), "a refused deploy publishes nothing");
    }
  }

  /** Events arrive on their own thread: wait (bounded) until {@code count} of them match. */
  static long awaitEvents(List<ModelEvent> events, java.util.function.Predicate<ModelEvent> p, long count)
      throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    long n;
    while ((n = events.stream().filter(p).count()) < count && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    return n;
  }

  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }
}
