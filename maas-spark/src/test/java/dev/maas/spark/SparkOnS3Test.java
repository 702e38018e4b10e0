package dev.maas.spark;

import static dev.maas.spark.SparkFixtures.ONE_THREAD;
import static dev.maas.spark.SparkFixtures.close;
import static dev.maas.spark.SparkFixtures.features;
import static dev.maas.spark.SparkFixtures.featuresOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.MaasException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.spark.internal.ExecutorServices;
import dev.maas.storage.s3.LocalS3;
import dev.maas.storage.s3.S3ModelStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark job ({@code local[2]}) whose store is on S3: S3Proxy in this JVM on 127.0.0.1, reached
 * through {@link StoreSpec#s3} with an endpoint, path-style addressing and a local blob cache, and
 * credentials from the AWS SDK's default chain (system properties here, an instance role on a
 * cluster).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SparkOnS3Test {
  private static final int IN = 8;
  private static final int HIDDEN = 32;
  private static final int OUT = 4;
  private static final String PREFIX = "team/models";

  @TempDir static Path tmp;
  private static LocalS3 s3;
  private static SparkSession spark;
  private static OnnxRuntime runtime;
  private static S3ModelStore store;
  private static ModelService deployer;
  private static String bucket;

  @BeforeAll
  static void start() throws Exception {
    ExecutorServices.closeAll();
    s3 = LocalS3.inMemory();
    bucket = s3.createBucket("models");
    // The executors' default credentials chain reads these first; a spec never carries secrets.
    System.setProperty("aws.accessKeyId", LocalS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", s3.secretKey());
    runtime = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
    store = S3ModelStore.builder().client(s3.newClient()).bucket(bucket).prefix(PREFIX).build();
    deployer = ModelService.builder().store(store).runtime(runtime).build();
    deployer.deploy("mlp", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 1));
    deployer.setAlias("mlp", "prod", 1);
    spark = SparkFixtures.session(2);
  }

  @AfterAll
  static void stop() {
    ExecutorServices.closeAll();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    for (AutoCloseable c : new AutoCloseable[] {deployer, runtime, store, s3}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing what the test made; nothing to assert
      }
    }
    if (spark != null) {
      spark.stop();
    }
  }

  private static StoreSpec spec(Path cache) {
    return StoreSpec.parse("s3://" + bucket + "/" + PREFIX).withEndpoint(s3.endpoint()).withRegion("us-east-1")
        .withPathStyle(true).withCache(cache, 64L << 20);
  }

  private static long blobGets() {
    return s3.requests().stream().filter(r -> r.startsWith("GET " + PREFIX + "/blobs/")).count();
  }

  @Test
  void aJobOnS3GivesWhatPredictGivesAndTheBlobIsDownloadedOnceIntoTheExecutorsCache() throws Exception {
    Path cache = tmp.resolve("executor-cache");
    s3.clearRequests();
    SparkInference scoring = SparkInference.builder().store(spec(cache)).model("mlp@prod").runtime(ONE_THREAD)
        .input("x", "features").output("y", "prediction").versionColumn("v").batchSize(100).build();

    int rows = 4000;
    List<Row> first = scoring.transform(features(spark, rows, 4, IN)).select("id", "prediction", "v").collectAsList();
    List<Row> second = scoring.transform(features(spark, rows, 8, IN)).select("id", "prediction", "v").collectAsList();

    // Local mode: one executor JVM, two task threads, two jobs, twelve tasks: one download.
    assertEquals(1, blobGets(), "blob downloads: " + s3.requests());
    List<Path> cached;
    try (Stream<Path> files = Files.list(cache.resolve("sha256"))) {
      cached = files.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
    }
    assertEquals(1, cached.size(), "cached blobs: " + cached);
    String digest = cached.get(0).getFileName().toString();
    assertTrue(s3.requests().contains("GET " + PREFIX + "/blobs/sha256/" + digest), s3.requests().toString());

    // A new executor JVM on the same machine (here: the services closed and made again) finds the
    // blob in the cache: still one download.
    ExecutorServices.closeAll();
    List<Row> third = scoring.transform(features(spark, rows, 2, IN)).select("id", "prediction", "v").collectAsList();
    assertEquals(1, blobGets(), "blob downloads: " + s3.requests());

    // The same rows straight through ModelService.predict (the deployer's own service on S3).
    float[] expected = deployer.predict(ModelRef.of("mlp", 1),
        InferenceRequest.of("x", Tensor.of(featuresOf(0, rows, IN), rows, IN))).output("y").toFloatArray();
    for (List<Row> out : List.of(first, second, third)) {
      assertEquals(rows, out.size());
      for (Row r : out) {
        int id = (int) r.getLong(0);
        assertEquals(1L, r.getLong(2));
        List<Float> y = r.getList(1);
        for (int k = 0; k < OUT; k++) {
          assertTrue(close(expected[id * OUT + k], y.get(k)), "row " + id + ": " + y);
        }
      }
    }
  }

  @Test
  void aWrongBucketFailsOnTheDriverNamingTheStore() {
    StoreSpec missing = StoreSpec.s3("no-such-bucket", "").withEndpoint(URI.create(s3.endpoint().toString()))
        .withRegion("us-east-1").withPathStyle(true).withCache(tmp.resolve("other-cache"), 1 << 20);
    // A maas exception from transform itself: the driver reads the store before any task runs.
    MaasException e = assertThrows(MaasException.class, () -> SparkInference.builder().store(missing)
        .model("mlp").runtime(ONE_THREAD).input("x", "features").build().transform(features(spark, 10, 1, IN)));
    assertTrue(String.valueOf(e.getMessage()).contains("no-such-bucket"), String.valueOf(e.getMessage()));
  }
}
