package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.maas.CallOptions;
import dev.maas.ConflictException;
import dev.maas.DType;
import dev.maas.DeadlineExceededException;
import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.ModelLoadException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ServiceClosedException;
import dev.maas.StoreException;
import dev.maas.Tensor;
import dev.maas.VersionNotFoundException;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.Principal;
import dev.maas.spi.ModelStore;
import dev.maas.store.FileSystemModelStore;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ModelService end to end: a real filesystem store and real ONNX Runtime. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelServiceTest {
  @TempDir Path tmp;
  Path storeDir;
  Path mlpA;
  Path mlpB;
  ModelService maas;

  @BeforeEach
  void setUp() throws Exception {
    storeDir = tmp.resolve("store");
    mlpA = Files.write(tmp.resolve("a.onnx"), SampleModels.mlp(4, 8, 3, 1));
    mlpB = Files.write(tmp.resolve("b.onnx"), SampleModels.mlp(4, 8, 3, 2));
    maas = ModelService.builder().storeDirectory(storeDir).runtime(OnnxRuntime.create()).build();
  }

  @AfterEach
  void tearDown() {
    maas.close();
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static InferenceRequest row(float... x) {
    return InferenceRequest.of("x", Tensor.of(x, 1, x.length));
  }

  /** What raw ONNX Runtime computes for the same model file and input: the reference. */
  private static float[] raw(Path model, float[] x) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, x.length});
        OrtSession.Result r = s.run(Map.of("x", in))) {
      return ((float[][]) r.get(0).getValue())[0];
    }
  }

  @Test
  void deployThenPredictMatchesRawOnnxRuntime() throws Exception {
    ModelVersion v = maas.deploy("mlp", mlpA);
    assertEquals(new ModelVersion("mlp", 1), v);
    float[] x = {0.5f, -1, 2, 0.25f};
    InferenceResult r = maas.predict(ModelRef.parse("mlp"), row(x));
    assertEquals(v, r.version());
    assertArrayEquals(raw(mlpA, x), r.output("y").toFloatArray());
    assertArrayEquals(new long[] {1, 3}, r.output("y").shape());
  }

  @Test
  void versionsAreNumberedAndEveryRefFormResolves() throws Exception {
    assertEquals(1, maas.deploy("mlp", mlpA).version());
    assertEquals(2, maas.deploy("mlp", mlpB).version());
    assertEquals(3, maas.deploy("mlp", mlpA).version());
    assertEquals(List.of(new ModelVersion("mlp", 1), new ModelVersion("mlp", 2), new ModelVersion("mlp", 3)),
        maas.versions("mlp"));
    maas.setAlias("mlp", "prod", 2);
    float[] x = {1, 2, 3, 4};
    assertEquals(3, maas.predict(ModelRef.parse("mlp"), row(x)).version().version());
    assertEquals(1, maas.predict(ModelRef.parse("mlp:1"), row(x)).version().version());
    InferenceResult prod = maas.predict(ModelRef.parse("mlp@prod"), row(x));
    assertEquals(2, prod.version().version());
    assertArrayEquals(raw(mlpB, x), prod.output("y").toFloatArray());
    assertArrayEquals(raw(mlpA, x), maas.predict(ModelRef.parse("mlp:3"), row(x)).output("y").toFloatArray());
    assertEquals(List.of("mlp"), maas.list());
  }

  @Test
  void manifestRecordsDigestSizeSignatureLabelsAndWho() throws Exception {
    ModelVersion v = maas.deploy("mlp", mlpA, DeployOptions.defaults()
        .withLabel("team", "search").withPrincipal(Principal.of("ci-bot")));
    Manifest m = maas.manifest(v.ref());
    assertEquals(sha256(mlpA), m.modelBlob().orElseThrow().sha256());
    assertEquals(Files.size(mlpA), m.modelBlob().orElseThrow().size());
    assertEquals("a.onnx", m.modelBlob().orElseThrow().fileName());
    assertEquals("onnx", m.runtime());
    assertEquals("ci-bot", m.createdBy());
    assertEquals(Map.of("team", "search"), m.labels());
    assertEquals("x", m.signature().inputs().get(0).name());
    assertEquals(DType.FLOAT32, m.signature().inputs().get(0).dtype());
    assertEquals("batch", m.signature().inputs().get(0).shape().get(0).symbol());
    assertEquals(4, m.signature().inputs().get(0).shape().get(1).size());
    assertTrue(Files.isRegularFile(storeDir.resolve("models/mlp/versions/1.json")));
    assertTrue(Files.isRegularFile(storeDir.resolve("blobs/sha256/" + sha256(mlpA))));
  }

  @Test
  void aliasesKeepHistoryAndUndeployIsRefusedWhileAliased() {
    maas.deploy("mlp", mlpA);
    maas.deploy("mlp", mlpB);
    maas.setAlias("mlp", "prod", 1);
    Alias prod = maas.setAlias("mlp", "prod", 2, CallOptions.defaults().withPrincipal(Principal.of("alice")));
    assertEquals(2, prod.version());
    assertEquals(1, prod.previousVersion());
    assertEquals(List.of(1L, 2L), prod.history().stream().map(c -> c.version()).toList());
    assertEquals("alice", prod.history().get(1).principal());
    assertEquals(Optional.of(prod), maas.alias("mlp", "prod"));

    ConflictException e = assertThrows(ConflictException.class, () -> maas.undeploy("mlp", 2));
    assertTrue(e.getMessage().contains("prod"), e.getMessage());
    maas.undeploy("mlp", 1);
    assertEquals(List.of(new ModelVersion("mlp", 2)), maas.versions("mlp"));
    assertThrows(VersionNotFoundException.class, () -> maas.predict(ModelRef.parse("mlp:1"), row(1, 2, 3, 4)));
    assertThrows(VersionNotFoundException.class, () -> maas.undeploy("mlp", 1));
    assertThrows(VersionNotFoundException.class, () -> maas.setAlias("mlp", "prod", 7));
  }

  @Test
  void unknownThingsAreTypedExceptions() {
    assertThrows(ModelNotFoundException.class, () -> maas.predict(ModelRef.parse("nope"), row(1, 2, 3, 4)));
    assertThrows(ModelNotFoundException.class, () -> maas.versions("nope"));
    assertThrows(ModelNotFoundException.class, () -> maas.manifest(ModelRef.parse("nope:1")));
    maas.deploy("mlp", mlpA);
    VersionNotFoundException v = assertThrows(VersionNotFoundException.class,
        () -> maas.predict(ModelRef.parse("mlp:9"), row(1, 2, 3, 4)));
    assertTrue(v.getMessage().contains("[1]"), v.getMessage());
    VersionNotFoundException a = assertThrows(VersionNotFoundException.class,
        () -> maas.predict(ModelRef.parse("mlp@canary"), row(1, 2, 3, 4)));
    assertTrue(a.getMessage().contains("canary"), a.getMessage());
    assertThrows(InvalidInputException.class, () -> maas.deploy("../evil", mlpA));
    assertThrows(InvalidInputException.class, () -> maas.deploy("ok", tmp.resolve("missing.onnx")));
    assertFalse(Files.exists(storeDir.resolve("models/ok")));
  }

  @Test
  void invalidInputsAreRejectedAndTheServiceKeepsServing() {
    maas.deploy("mlp", mlpA);
    ModelRef ref = ModelRef.parse("mlp");
    assertThrows(InvalidInputException.class, () -> maas.predict(ref, row(1, 2, 3)));
    assertThrows(InvalidInputException.class, () -> maas.predict(ref, InferenceRequest.of("z", Tensor.of(new float[4], 1, 4))));
    assertThrows(InvalidInputException.class, () -> maas.predict(ref, InferenceRequest.of("x", Tensor.of(new double[4], 1, 4))));
    assertThrows(InvalidInputException.class, () -> maas.predict(ref, InferenceRequest.of("x", Tensor.of(new float[4], 4))));
    assertThrows(InvalidInputException.class, () -> maas.predict(ref, InferenceRequest.builder().build()));
    // a batch of five rows is fine: the batch dimension is dynamic
    assertArrayEquals(new long[] {5, 3},
        maas.predict(ref, InferenceRequest.of("x", Tensor.of(new float[20], 5, 4))).output("y").shape());
  }

  @Test
  void aModelTheRuntimeCannotReadIsNeverPublished() throws Exception {
    Path junk = Files.writeString(tmp.resolve("junk.onnx"), "not a model");
    assertThrows(ModelLoadException.class, () -> maas.deploy("junk", junk));
    assertEquals(List.of(), maas.list());
    assertThrows(ModelNotFoundException.class, () -> maas.versions("junk"));
  }

  @Test
  void tamperedBlobIsNeverLoadedAndOtherVersionsKeepServing() throws Exception {
    maas.deploy("mlp", mlpA);
    maas.deploy("mlp", mlpB);
    // flip one byte of version 2's blob in the store
    Path blob = storeDir.resolve("blobs/sha256/" + sha256(mlpB));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 1;
    Files.write(blob, bytes);
    IntegrityException e = assertThrows(IntegrityException.class, () -> maas.predict(ModelRef.parse("mlp:2"), row(1, 2, 3, 4)));
    assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    assertEquals(1, maas.predict(ModelRef.parse("mlp:1"), row(1, 2, 3, 4)).version().version());
    // still refused on the next call: a failed load is not cached as a success
    assertThrows(IntegrityException.class, () -> maas.predict(ModelRef.parse("mlp:2"), row(1, 2, 3, 4)));
  }

  /** A real filesystem store that fails the manifest write once, as a crash between the two steps would. */
  private static final class FailingManifestStore extends dev.maas.store.ForwardingModelStore {
    final AtomicBoolean failNext = new AtomicBoolean(true);

    FailingManifestStore(ModelStore delegate) {
      super(delegate);
    }

    @Override
    public boolean createManifest(String model, long version, byte[] content) {
      if (failNext.getAndSet(false)) {
        throw new StoreException("disk full (simulated) while writing the manifest of " + model + ":" + version);
      }
      return super.createManifest(model, version, content);
    }
  }

  @Test
  void anInterruptedPublishLeavesNoVisibleVersion() throws Exception {
    FailingManifestStore store = new FailingManifestStore(FileSystemModelStore.open(tmp.resolve("store2")));
    try (ModelService svc = ModelService.builder().store(store).runtime(OnnxRuntime.create()).build()) {
      assertThrows(StoreException.class, () -> svc.deploy("mlp", mlpA));
      assertTrue(store.hasBlob(sha256(mlpA)), "the blob went first");
      assertThrows(ModelNotFoundException.class, () -> svc.versions("mlp"));
      assertThrows(ModelNotFoundException.class, () -> svc.predict(ModelRef.parse("mlp"), row(1, 2, 3, 4)));
      assertEquals(1, svc.deploy("mlp", mlpA).version(), "a retry publishes version 1");
      assertEquals(1, svc.predict(ModelRef.parse("mlp"), row(1, 2, 3, 4)).version().version());
    }
  }

  @Test
  void concurrentDeploysEachGetTheirOwnVersion() throws Exception {
    int threads = 8;
    int perThread = 4;
    Path[] files = new Path[threads];
    for (int t = 0; t < threads; t++) {
      files[t] = Files.write(tmp.resolve("m" + t + ".onnx"), SampleModels.mlp(4, 8, 3, 100 + t));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    Map<Long, Integer> owner = new ConcurrentHashMap<>();
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int id = t;
      fs.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < perThread; i++) {
          ModelVersion v = maas.deploy("race", files[id]);
          assertEquals(null, owner.putIfAbsent(v.version(), id), "version " + v + " handed out twice");
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : fs) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(threads * perThread, owner.size());
    Set<Long> expected = new HashSet<>();
    for (long v = 1; v <= threads * perThread; v++) {
      expected.add(v);
    }
    assertEquals(expected, owner.keySet());
    for (Map.Entry<Long, Integer> e : owner.entrySet()) {
      Manifest m = maas.manifest(ModelRef.of("race", e.getKey()));
      assertEquals(sha256(files[e.getValue()]), m.modelBlob().orElseThrow().sha256(),
          "version " + e.getKey() + " must hold what its deployer published");
    }
  }

  @Test
  void predictAsyncCompletesAndReportsErrorsThroughTheFuture() throws Exception {
    maas.deploy("mlp", mlpA);
    float[] x = {1, 2, 3, 4};
    CompletableFuture<InferenceResult> ok = maas.predictAsync(ModelRef.parse("mlp"), row(x));
    assertArrayEquals(raw(mlpA, x), ok.get(30, TimeUnit.SECONDS).output("y").toFloatArray());
    CompletableFuture<InferenceResult> bad = maas.predictAsync(ModelRef.parse("mlp"), row(1, 2));
    ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
    assertInstanceOf(InvalidInputException.class, e.getCause());
    CompletableFuture<InferenceResult> missing = maas.predictAsync(ModelRef.parse("other"), row(x));
    assertInstanceOf(ModelNotFoundException.class,
        assertThrows(ExecutionException.class, () -> missing.get(30, TimeUnit.SECONDS)).getCause());
  }

  @Test
  void anExpiredDeadlineIsNotRun() {
    maas.deploy("mlp", mlpA);
    maas.predict(ModelRef.parse("mlp"), row(1, 2, 3, 4)); // load it
    assertThrows(DeadlineExceededException.class, () -> maas.predict(ModelRef.parse("mlp"), row(1, 2, 3, 4),
        CallOptions.defaults().withTimeout(Duration.ofNanos(1))));
    assertTrue(new DeadlineExceededException("x").retryable());
  }

  @Test
  void closeWhileSixteenThreadsPredict() throws Exception {
    maas.deploy("mlp", mlpA);
    float[] x = {1, 2, 3, 4};
    float[] expected = raw(mlpA, x);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch running = new CountDownLatch(16);
    AtomicInteger ok = new AtomicInteger();
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      fs.add(pool.submit(() -> {
        running.countDown();
        for (int i = 0; i < 1_000_000; i++) {
          try {
            assertArrayEquals(expected, maas.predict(ModelRef.parse("mlp"), row(x)).output("y").toFloatArray());
            ok.incrementAndGet();
          } catch (ServiceClosedException e) {
            return null;
          }
        }
        throw new AssertionError("close never reached this thread");
      }));
    }
    running.await();
    Thread.sleep(200);
    maas.close();
    for (Future<?> f : fs) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertTrue(ok.get() > 0);
    assertThrows(ServiceClosedException.class, () -> maas.predict(ModelRef.parse("mlp"), row(x)));
    assertThrows(ServiceClosedException.class, () -> maas.deploy("mlp", mlpA));
    maas.close(); // idempotent
  }

  @Test
  void theRuntimeIsFoundOnTheClasspath() {
    try (ModelService svc = ModelService.builder().storeDirectory(tmp.resolve("auto")).build()) {
      svc.deploy("mlp", mlpA);
      assertEquals(1, svc.predict(ModelRef.parse("mlp"), row(1, 2, 3, 4)).version().version());
    }
  }

  @Test
  void aSecondServiceOnTheSameStoreSeesChangesAfterRefresh() {
    try (ModelService other = ModelService.builder().storeDirectory(storeDir).runtime(OnnxRuntime.create())
        .refreshInterval(Duration.ofMinutes(10)).build()) {
      maas.deploy("mlp", mlpA);
      maas.setAlias("mlp", "prod", 1);
      assertEquals(1, other.predict(ModelRef.parse("mlp@prod"), row(1, 2, 3, 4)).version().version());
      maas.deploy("mlp", mlpB);
      maas.setAlias("mlp", "prod", 2);
      // cached for ten minutes, so still 1 ...
      assertEquals(1, other.predict(ModelRef.parse("mlp@prod"), row(1, 2, 3, 4)).version().version());
      // ... until refreshed; an exact version the cache has not seen is looked up at once
      assertEquals(2, other.predict(ModelRef.parse("mlp:2"), row(1, 2, 3, 4)).version().version());
      other.refresh();
      assertEquals(2, other.predict(ModelRef.parse("mlp@prod"), row(1, 2, 3, 4)).version().version());
    }
  }

  @Test
  void everyDtypeRoundTripsThroughTheService() throws Exception {
    for (DType t : DType.values()) {
      if (t == DType.UINT16 || t == DType.UINT32 || t == DType.UINT64) {
        Path f = Files.write(tmp.resolve("id-" + t + ".onnx"), SampleModels.identity(t));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> maas.deploy("id-" + t, f));
        assertTrue(e.getMessage().contains("cannot create " + t), e.getMessage());
        continue;
      }
      Path f = Files.write(tmp.resolve("id-" + t + ".onnx"), SampleModels.identity(t));
      maas.deploy("id-" + t, f);
      Tensor x = sample(t);
      Tensor y = maas.predict(ModelRef.parse("id-" + t), InferenceRequest.of("x", x)).output("y");
      assertEquals(x, y, "identity of " + t);
    }
  }

  private static Tensor sample(DType t) {
    switch (t) {
      case FLOAT32: return Tensor.of(new float[] {1.5f, -2, Float.NaN, 0, 3, Float.POSITIVE_INFINITY}, 2, 3);
      case FLOAT64: return Tensor.of(new double[] {1.5, -2, 1e300, 0, 3, -0.0}, 2, 3);
      case FLOAT16: return Tensor.ofFloat16(new float[] {1.5f, -2, 0.25f, 0, 3, 65504}, 2, 3);
      case BFLOAT16: return Tensor.ofFloat16Bits(new short[] {0x3fc0, (short) 0xc000, 0x3e80, 0, 0x4040, 0x4000}, 2, 3)
          .dtype() == DType.FLOAT16 ? bf16() : bf16();
      case INT8: return Tensor.of(new byte[] {-128, -1, 0, 1, 2, 127}, 2, 3);
      case UINT8: return Tensor.ofUint8(new byte[] {(byte) 255, 1, 0, 2, 3, (byte) 128}, 2, 3);
      case INT16: return Tensor.of(new short[] {-32768, -1, 0, 1, 2, 32767}, 2, 3);
      case INT32: return Tensor.of(new int[] {Integer.MIN_VALUE, -1, 0, 1, 2, Integer.MAX_VALUE}, 2, 3);
      case INT64: return Tensor.of(new long[] {Long.MIN_VALUE, -1, 0, 1, 2, Long.MAX_VALUE}, 2, 3);
      case BOOL: return Tensor.of(new boolean[] {true, false, true, true, false, false}, 2, 3);
      case STRING: return Tensor.of(new String[] {"a", "", "ünïcode", "x y", "4", "six"}, 2, 3);
      default: throw new IllegalArgumentException(t.toString());
    }
  }

  private static Tensor bf16() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(12).order(java.nio.ByteOrder.nativeOrder());
    for (short s : new short[] {0x3fc0, (short) 0xc000, 0x3e80, 0, 0x4040, 0x4000}) {
      b.putShort(s);
    }
    b.flip();
    return Tensor.copyOf(DType.BFLOAT16, b, 2, 3);
  }
}
