package dev.maas.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.IntegrityException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.StoreException;
import dev.maas.Tensor;
import dev.maas.VersionNotFoundException;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.ModelStore;
import dev.maas.store.CachingModelStore;
import dev.maas.testing.RecordingRuntime;
import dev.maas.version.BlobRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link ModelService} end to end on S3 (S3Proxy on 127.0.0.1) with real ONNX Runtime: the faults
 * a fleet meets (server gone mid-download, a blob altered or truncated in the bucket, a manifest
 * gone) and the local cache across a restart.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServiceOnS3Test {
  private static final int IN = 16;
  private static final int HIDDEN = 2048;   // about 140 KB of weights: larger than the server's output buffer
  private static final int OUT = 3;

  private static LocalS3 s3;
  private static OnnxRuntime runtime;
  private static S3Client raw;
  private static int buckets;

  @TempDir Path temp;
  private String bucket;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeAll
  static void start() {
    s3 = LocalS3.inMemory();
    raw = s3.newClient();
    runtime = OnnxRuntime.create();
  }

  @AfterAll
  static void stop() {
    runtime.close();
    raw.close();
    s3.close();
  }

  @BeforeEach
  void newBucket() {
    bucket = s3.createBucket("service-" + ++buckets);
  }

  @AfterEach
  void closeAll() throws Exception {
    s3.releaseStalls();
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  private S3ModelStore s3Store() {
    S3ModelStore store = S3ModelStore.builder().bucket(bucket).endpoint(s3.endpoint())
        .credentialsProvider(s3.credentials()).stallTimeout(Duration.ofSeconds(1)).maxAttempts(2).build();
    closeAfter.add(store);
    return store;
  }

  private CachingModelStore cached(ModelStore store, String dir) {
    return CachingModelStore.builder(store).directory(temp.resolve(dir)).maximumBytes(64L << 20).build();
  }

  private ModelService service(ModelStore store) {
    ModelService service = ModelService.builder().store(store).runtime(runtime).refreshInterval(Duration.ofSeconds(1))
        .build();
    closeAfter.add(service);
    return service;
  }

  private Path model(long seed) throws IOException {
    return Files.write(temp.resolve("mlp-" + seed + ".onnx"), SampleModels.mlp(IN, HIDDEN, OUT, seed));
  }

  private static InferenceRequest request() {
    float[] x = new float[2 * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) / 7f - 0.5f;
    }
    return InferenceRequest.of("x", Tensor.of(x, 2, IN));
  }

  private static void assertServes(ModelService service, String ref, long version, long seed) {
    InferenceResult r = service.predict(ModelRef.parse(ref), request());
    assertEquals(version, r.version().version(), ref);
    float[] expected = SampleModels.mlpReference(IN, HIDDEN, OUT, seed, request().inputs().get("x")).toFloatArray();
    float[] actual = r.output("y").toFloatArray();
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-4, ref + " output " + i);
    }
  }

  private String blobKey(ModelService service, String ref) {
    BlobRef blob = service.manifest(ModelRef.parse(ref)).modelBlob().orElseThrow();
    return "blobs/sha256/" + blob.sha256();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void theServerStoppedMidDownloadIsARetryableErrorAndTheLoadedVersionKeepsServing() throws Exception {
    ModelService deployer = service(s3Store());
    deployer.deploy("mlp", model(1));
    deployer.deploy("mlp", model(2));
    String v2 = blobKey(deployer, "mlp:2");
    deployer.close();
    // Before the serving instance starts: whatever makes it fetch v2 (this call, or a preload of the
    // latest version), the download stalls after its first 100 KB.
    s3.stallGets(key -> key.equals(v2), 100_000, 1000);
    CachingModelStore cache = cached(s3Store(), "cache");
    ModelService serving = service(cache);
    assertServes(serving, "mlp:1", 1, 1);

    // On a thread of its own: the first call to a version may load it on the caller's thread.
    CompletableFuture<InferenceResult> load =
        CompletableFuture.supplyAsync(() -> serving.predict(ModelRef.parse("mlp:2"), request()));
    assertTrue(s3.awaitStall(20, TimeUnit.SECONDS), "the download of v2 delivered its first 100 KB");
    s3.stop();
    try {
      ExecutionException e = assertThrows(ExecutionException.class, () -> load.get(30, TimeUnit.SECONDS));
      StoreException cause = assertInstanceOf(StoreException.class, e.getCause());
      assertTrue(cause.retryable());
      assertTrue(cause.getMessage().contains(bucket), cause.getMessage());
      assertTrue(cause.getMessage().contains(v2), cause.getMessage());

      assertServes(serving, "mlp:1", 1, 1);
      assertFalse(cache.isCached(v2.substring("blobs/sha256/".length())), "nothing partial was cached");
    } finally {
      s3.releaseStalls();
      s3.restart();
    }
    assertServes(serving, "mlp:2", 2, 2);
    assertTrue(cache.isCached(v2.substring("blobs/sha256/".length())));
  }

  @Test
  void aBlobAlteredInTheBucketIsNeverLoaded() throws Exception {
    ModelService deployer = service(s3Store());
    deployer.deploy("mlp", model(1));
    deployer.deploy("mlp", model(2));
    String v2 = blobKey(deployer, "mlp:2");
    byte[] original = raw.getObjectAsBytes(r -> r.bucket(bucket).key(v2)).asByteArray();
    byte[] altered = original.clone();
    altered[altered.length - 10] ^= 1;   // a weight flipped: still a valid model, just not the published one
    raw.putObject(r -> r.bucket(bucket).key(v2), RequestBody.fromBytes(altered));

    for (ModelStore store : List.of(s3Store(), cached(s3Store(), "cache"))) {
      ModelService serving = service(store);
      assertServes(serving, "mlp:1", 1, 1);

      IntegrityException e = assertThrows(IntegrityException.class,
          () -> serving.predict(ModelRef.parse("mlp:2"), request()));

      assertFalse(e.retryable());
      assertServes(serving, "mlp:1", 1, 1);
      if (store instanceof CachingModelStore cache) {
        assertFalse(cache.isCached(v2.substring("blobs/sha256/".length())));
        assertEquals(List.of(), tempFiles(cache));
      }
    }
  }

  @Test
  void aTruncatedBlobIsNeverLoaded() throws Exception {
    ModelService deployer = service(s3Store());
    deployer.deploy("mlp", model(1));
    String v1 = blobKey(deployer, "mlp:1");
    byte[] original = raw.getObjectAsBytes(r -> r.bucket(bucket).key(v1)).asByteArray();
    raw.putObject(r -> r.bucket(bucket).key(v1), RequestBody.fromBytes(Arrays.copyOf(original, original.length / 2)));

    for (ModelStore store : List.of(s3Store(), cached(s3Store(), "cache"))) {
      ModelService serving = service(store);
      assertThrows(IntegrityException.class, () -> serving.predict(ModelRef.parse("mlp:1"), request()));
    }
  }

  @Test
  void aMissingManifestIsVersionNotFoundNamingTheStore() throws Exception {
    ModelService deployer = service(s3Store());
    deployer.deploy("mlp", model(1));
    deployer.deploy("mlp", model(2));
    ModelService serving = service(s3Store());
    assertServes(serving, "mlp:1", 1, 1);   // its catalog now lists versions 1 and 2
    raw.deleteObject(r -> r.bucket(bucket).key("models/mlp/versions/2.json"));

    VersionNotFoundException e = assertThrows(VersionNotFoundException.class,
        () -> serving.predict(ModelRef.parse("mlp:2"), request()));

    assertTrue(e.getMessage().contains("s3://" + bucket), e.getMessage());
    assertServes(serving, "mlp:1", 1, 1);
    assertThrows(VersionNotFoundException.class, () -> service(s3Store()).predict(ModelRef.parse("mlp:2"), request()));
  }

  @Test
  void aRestartServesCachedModelsWithoutAnyBlobRequest() throws Exception {
    ModelService first = service(cached(s3Store(), "cache"));
    first.deploy("mlp", model(1));
    first.setAlias("mlp", "prod", 1);
    assertServes(first, "mlp@prod", 1, 1);
    first.close();

    s3.clearRequests();
    ModelService restarted = service(cached(s3Store(), "cache"));
    assertServes(restarted, "mlp@prod", 1, 1);

    List<String> blobRequests = s3.requests().stream().filter(r -> r.contains("blobs/")).toList();
    assertFalse(s3.requests().isEmpty(), "the recorder saw the restart's manifest and alias reads");
    assertEquals(List.of(), blobRequests, "all requests: " + s3.requests());
  }

  @Test
  void aModelAlteredInTheCacheIsNeverLoadedButDownloadedAgain() throws Exception {
    ModelService first = service(cached(s3Store(), "cache"));
    first.deploy("mlp", model(1));
    String key = blobKey(first, "mlp:1");
    assertServes(first, "mlp:1", 1, 1);
    first.close();
    Path entry = temp.resolve("cache").resolve(key.replace("blobs/", ""));
    byte[] altered = Files.readAllBytes(entry);
    altered[altered.length - 10] ^= 1;   // a weight flipped: still a valid model, just not the published one
    Files.write(entry, altered);

    s3.clearRequests();
    ModelService restarted = service(cached(s3Store(), "cache"));
    assertServes(restarted, "mlp:1", 1, 1);

    assertTrue(s3.requests().stream().anyMatch(r -> r.contains(key)), "downloaded again: " + s3.requests());
    assertEquals(key.substring("blobs/sha256/".length()), BlobDigest.of(Files.readAllBytes(entry)));
  }

  @Test
  void aCacheEntryReachesTheRuntimeAsItsFileAndAnEntryLoadedWithReverifyAsTheBytesThatWereHashed()
      throws Exception {
    ModelService first = service(cached(s3Store(), "cache"));
    first.deploy("mlp", model(1));
    String key = blobKey(first, "mlp:1");
    first.close();
    Path entry = temp.resolve("cache").resolve(key.replace("blobs/", ""));

    // The cache vouches for its entry: no copy of the model in the heap, the runtime reads the file.
    RecordingRuntime vouched = new RecordingRuntime(runtime);
    ModelService restarted = closeLater(ModelService.builder().store(cached(s3Store(), "cache")).runtime(vouched)
        .build());
    assertServes(restarted, "mlp:1", 1, 1);
    assertEquals(1, vouched.loaded().size(), "loaded once: " + vouched.loaded());
    assertEquals(entry.toRealPath(), vouched.loaded().get(0).path().toRealPath());

    // reverifyEveryUse: the service hashes the file, and the runtime gets the very bytes it hashed.
    RecordingRuntime paranoid = new RecordingRuntime(runtime);
    CachingModelStore untrusted = CachingModelStore.builder(s3Store()).directory(temp.resolve("cache"))
        .maximumBytes(64L << 20).reverifyEveryUse(true).build();
    ModelService careful = closeLater(ModelService.builder().store(untrusted).runtime(paranoid).build());
    assertServes(careful, "mlp:1", 1, 1);
    assertEquals(1, paranoid.loaded().size(), "loaded once: " + paranoid.loaded());
    dev.maas.spi.ModelSource inMemory = paranoid.loaded().get(0);
    assertEquals(null, inMemory.path(), "in memory, not the file");
    assertEquals(key.substring("blobs/sha256/".length()), BlobDigest.of(inMemory.bytes()));
  }

  private ModelService closeLater(ModelService service) {
    closeAfter.add(service);
    return service;
  }

  /** SHA-256 in hex. */
  private static final class BlobDigest {
    static String of(byte[] content) throws java.security.NoSuchAlgorithmException {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    }
  }

  private static List<Path> tempFiles(CachingModelStore cache) throws IOException {
    try (Stream<Path> files = Files.list(cache.directory().resolve("sha256"))) {
      return files.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
    }
  }
}
