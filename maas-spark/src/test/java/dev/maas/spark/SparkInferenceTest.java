package dev.maas.spark;

import static dev.maas.spark.SparkFixtures.ONE_THREAD;
import static dev.maas.spark.SparkFixtures.close;
import static dev.maas.spark.SparkFixtures.featureColumn;
import static dev.maas.spark.SparkFixtures.features;
import static dev.maas.spark.SparkFixtures.featuresOf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.VersionNotFoundException;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.batch.SchedulerStats;
import dev.maas.spark.internal.ExecutorServices;
import dev.maas.spark.internal.ServiceConfig;
import dev.maas.version.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** maas-spark end to end on Spark's local mode with two task threads and generated MLPs. */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SparkInferenceTest {
  private static final int IN = 8;
  private static final int HIDDEN = 32;
  private static final int OUT = 4;

  @TempDir static Path tmp;
  private static SparkSession spark;
  private static OnnxRuntime runtime;
  private static ModelService maas;
  private static StoreSpec store;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkFixtures.session(2);
    runtime = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
    Path dir = Files.createDirectories(tmp.resolve("store"));
    maas = ModelService.builder().storeDirectory(dir).runtime(runtime).build();
    store = StoreSpec.directory(dir);
    maas.deploy("mlp", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 1));          // mlp:1
    maas.setAlias("mlp", "prod", 1);
    maas.deploy("small", SparkFixtures.mlpFile(tmp, 4, 8, 1, 5));                  // small:1, y [batch, 1]
    maas.deploy("twoinputs", writeTo(tmp.resolve("two.onnx"), SampleModels.twoInTwoOut()));
  }

  @AfterAll
  static void stop() {
    SparkFixtures.stopAll(maas, runtime, spark);
  }

  private static Path writeTo(Path file, byte[] bytes) throws Exception {
    return Files.write(file, bytes);
  }

  private static SparkInference.Builder mlp() {
    return SparkInference.builder().store(store).model("mlp@prod").runtime(ONE_THREAD)
        .input("x", "features").output("y", "prediction");
  }

  // ------------------------------------------------------------------ results

  @Test
  void aMillionRowsGiveWhatModelServicePredictGivesForTheSameRows() {
    long rows = 1_000_000;
    Dataset<Row> scored = mlp().versionColumn("model_version").build()
        .transform(features(spark, rows, 8, IN))
        .select("id", "prediction", "model_version");

    // The same rows, regenerated in plain Java, through ModelService.predict in batches of another size.
    int batch = 1000;
    float[] expected = new float[0];
    long expectedFrom = Long.MIN_VALUE / 2;
    long seen = 0;
    long mismatches = 0;
    String firstMismatch = null;
    Iterator<Row> it = scored.toLocalIterator();
    while (it.hasNext()) {
      Row row = it.next();
      long id = row.getLong(0);
      assertEquals(seen, id, "rows come back in order, each once");
      assertEquals(1L, row.getLong(2));
      if (id < expectedFrom || id >= expectedFrom + batch) {
        int count = (int) Math.min(batch, rows - id);
        expected = maas.predict(ModelRef.of("mlp", 1),
            InferenceRequest.of("x", Tensor.of(featuresOf(id, count, IN), count, IN))).output("y").toFloatArray();
        expectedFrom = id;
      }
      List<Float> y = row.getList(1);
      assertEquals(OUT, y.size());
      for (int k = 0; k < OUT; k++) {
        float want = expected[(int) (id - expectedFrom) * OUT + k];
        if (!close(want, y.get(k))) {
          mismatches++;
          if (firstMismatch == null) {
            firstMismatch = "row " + id + " output " + k + ": " + y.get(k) + " != " + want;
          }
        }
      }
      seen++;
    }
    assertEquals(rows, seen);
    assertEquals(0, mismatches, firstMismatch);
  }

  @Test
  void arrayVectorAndNumericColumnsFeedTheSameInput() {
    Dataset<Row> data = features(spark, 500, 3, IN);
    for (int i = 0; i < IN; i++) {
      data = data.withColumn("f" + i, featureColumn(i).cast("double"));
    }
    data = data.withColumn("vector", org.apache.spark.ml.functions.array_to_vector(col("features")));
    String[] scalars = new String[IN];
    for (int i = 0; i < IN; i++) {
      scalars[i] = "f" + i;
    }
    SparkInference base = mlp().build();
    List<Row> fromArray = base.transform(data).select("prediction").collectAsList();
    List<Row> fromVector = SparkInference.builder().store(store).model("mlp:1").runtime(ONE_THREAD)
        .input("x", "vector").output("y", "prediction").batchSize(7).build()
        .transform(data).select("prediction").collectAsList();
    List<Row> fromScalars = SparkInference.builder().store(store).model("mlp").runtime(ONE_THREAD)
        .input("x", scalars).output("y", "prediction").batchSize(1).build()
        .transform(data).select("prediction").collectAsList();
    assertEquals(500, fromArray.size());
    for (int r = 0; r < 500; r++) {
      float[] want = SampleModels.mlpReference(IN, HIDDEN, OUT, 1, Tensor.of(featuresOf(r, 1, IN), 1, IN)).toFloatArray();
      for (List<Row> got : List.of(fromArray, fromVector, fromScalars)) {
        List<Float> y = got.get(r).getList(0);
        for (int k = 0; k < OUT; k++) {
          assertTrue(close(want[k], y.get(k)), "row " + r + ": " + y + " vs reference");
        }
      }
    }
  }

  @Test
  void unmappedInputsAndOutputsUseTheirOwnNamesAndRankOneOutputsAreScalars() {
    StructType schema = new StructType()
        .add("a", DataTypes.createArrayType(DataTypes.FloatType))
        .add("b", DataTypes.createArrayType(DataTypes.LongType));
    List<Row> rows = List.of(
        RowFactory.create(new float[] {1, 2, 3, 4}, new long[] {7, 8}),
        RowFactory.create(new float[] {0, 0, 0, 1}, new long[] {-1, 2}));
    Dataset<Row> data = spark.createDataFrame(rows, schema);
    List<Row> out = SparkInference.builder().store(store).model("twoinputs").runtime(ONE_THREAD).build()
        .transform(data).collectAsList();
    assertEquals(List.of("a", "b", "sum", "b_out"), List.of(out.get(0).schema().fieldNames()));
    assertEquals(List.of(2f, 4f, 6f, 8f), out.get(0).getList(2));
    assertEquals(List.of(-1L, 2L), out.get(1).getList(3));
  }

  /**
   * Scored rows are written through reused buffers and row objects; what later operators keep
   * (a cache, a grouping by the output array) must be each row's own values, and an array of one
   * float (padded to 8 bytes) must compare and hash by its value.
   */
  @Test
  void equalRowsGiveEqualOutputValuesThatLaterOperatorsGroupAndKeep() {
    Dataset<Row> distinct = features(spark, 50, 1, 4).withColumnRenamed("id", "k");
    Dataset<Row> data = spark.range(0, 2000, 1, 4).toDF().withColumn("k", col("id").mod(50)).join(distinct, "k");
    Dataset<Row> scored = SparkInference.builder().store(store).model("small").runtime(ONE_THREAD)
        .input("x", "features").output("y", "prediction").batchSize(64).build().transform(data).cache();
    List<Row> groups = scored.groupBy("prediction").count().collectAsList();
    assertEquals(50, groups.size(), "one group per distinct input row");
    for (Row g : groups) {
      assertEquals(40L, g.getLong(1));
    }
    List<Row> kept = scored.select("k", "prediction").collectAsList();
    assertEquals(2000, kept.size());
    for (Row r : kept) {
      float[] want = SampleModels.mlpReference(4, 8, 1, 5, Tensor.of(featuresOf(r.getLong(0), 1, 4), 1, 4))
          .toFloatArray();
      assertTrue(close(want[0], r.<Float>getList(1).get(0)), "row with k " + r.getLong(0) + ": " + r);
    }
    scored.unpersist();
  }

  @Test
  void emptyDatasetsAndEmptyPartitionsAreFine() {
    Dataset<Row> none = features(spark, 0, 4, IN);
    assertEquals(0, mlp().build().transform(none).count());
    Dataset<Row> sparse = features(spark, 3, 6, IN); // three partitions are empty
    assertEquals(3, mlp().build().transform(sparse).collectAsList().size());
  }

  // ------------------------------------------------------------------ versions

  /** Partition 0 runs first; every other partition waits until the alias has moved. */
  static volatile CountDownLatch jobStarted;
  static volatile CountDownLatch promoted;

  @Test
  void aPromotionDuringTheJobDoesNotChangeTheVersionUsed() throws Exception {
    maas.deploy("promo", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 1));
    maas.setAlias("promo", "prod", 1);
    jobStarted = new CountDownLatch(1);
    promoted = new CountDownLatch(1);
    Dataset<Row> data = features(spark, 8000, 8, IN);
    Dataset<Row> gated = data.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
      if (TaskContext.getPartitionId() == 0) {
        jobStarted.countDown();
      } else if (!promoted.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never promoted");
      }
      return rows;
    }, Encoders.row(data.schema()));
    SparkInference promo = SparkInference.builder().store(store).model("promo@prod").runtime(ONE_THREAD)
        .input("x", "features").output("y", "prediction").versionColumn("v").batchSize(100).build();
    Dataset<Row> scored = promo.transform(gated);

    CompletableFuture<List<Row>> job = CompletableFuture.supplyAsync(
        () -> scored.select("id", "prediction", "v").collectAsList());
    assertTrue(jobStarted.await(60, TimeUnit.SECONDS), "the job never started");
    maas.deploy("promo", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 2)); // other weights
    maas.setAlias("promo", "prod", 2);
    promoted.countDown();
    List<Row> out = job.get(120, TimeUnit.SECONDS);

    assertEquals(8000, out.size());
    for (Row r : out) {
      assertEquals(1L, r.getLong(2), "row " + r.getLong(0));
    }
    // The outputs are version 1's, not only the label.
    for (int i : new int[] {0, 4321, 7999}) {
      Row r = out.get(i);
      float[] v1 = SampleModels.mlpReference(IN, HIDDEN, OUT, 1, Tensor.of(featuresOf(r.getLong(0), 1, IN), 1, IN))
          .toFloatArray();
      List<Float> y = r.getList(1);
      assertTrue(close(v1[0], y.get(0)), "row " + r.getLong(0));
    }
    // The next transform resolves the alias again.
    assertEquals(List.of(2L), promo.transform(data).select("v").distinct().as(Encoders.LONG()).collectAsList());
  }

  @Test
  void unknownModelsVersionsAndAliasesFailOnTheDriver() {
    Dataset<Row> data = features(spark, 10, 1, IN);
    assertThrows(ModelNotFoundException.class, () -> mlp().model("nosuch").build().transform(data));
    assertThrows(VersionNotFoundException.class, () -> mlp().model("mlp:99").build().transform(data));
    assertThrows(VersionNotFoundException.class, () -> mlp().model("mlp@nosuch").build().transform(data));
  }

  // ------------------------------------------------------------------ rows that do not fit

  /** Rows 0..99; row 17's array has 3 values, row 42's is null, row 63's holds a null. */
  private static Dataset<Row> withBadRows() {
    Dataset<Row> data = features(spark, 100, 2, IN);
    org.apache.spark.sql.Column[] withNull = new org.apache.spark.sql.Column[IN];
    for (int i = 0; i < IN; i++) {
      withNull[i] = i == 5 ? lit(null).cast("float") : featureColumn(i);
    }
    return data.withColumn("features",
        when(col("id").equalTo(17), org.apache.spark.sql.functions.slice(col("features"), 1, 3))
            .when(col("id").equalTo(42), lit(null))
            .when(col("id").equalTo(63), org.apache.spark.sql.functions.array(withNull))
            .otherwise(col("features")));
  }

  @Test
  void aRowThatDoesNotFitFailsTheJobNamingTheColumnAndItsShape() {
    SparkException e = assertThrows(SparkException.class,
        () -> mlp().build().transform(withBadRows().where("id < 50")).collectAsList());
    String message = String.valueOf(e.getMessage());
    assertTrue(message.contains("InvalidInputException"), message);
    assertTrue(message.contains("column 'features' holds 3 values, shape [3]"), message);
    assertTrue(message.contains("input 'x' (float32[batch, " + IN + "]) of mlp:1 takes " + IN + " values per row"),
        message);
    assertTrue(message.contains("(row 17 of partition 0)"), message);
  }

  @Test
  void rowsThatDoNotFitYieldNullsAndAreCountedWhenAskedTo() {
    LongAccumulator rejected = spark.sparkContext().longAccumulator("rejected rows");
    List<Row> out = mlp().invalidRows(InvalidRows.nullAndCount(rejected)).versionColumn("v").batchSize(16).build()
        .transform(withBadRows()).select("id", "prediction", "v").collectAsList();
    assertEquals(100, out.size());
    assertEquals(3L, rejected.value());
    for (Row r : out) {
      long id = r.getLong(0);
      if (id == 17 || id == 42 || id == 63) {
        assertNull(r.get(1), "row " + id);
      } else {
        assertNotNull(r.get(1), "row " + id);
        float[] want = SampleModels.mlpReference(IN, HIDDEN, OUT, 1, Tensor.of(featuresOf(id, 1, IN), 1, IN))
            .toFloatArray();
        assertTrue(close(want[0], r.<Float>getList(1).get(0)), "row " + id);
      }
      assertEquals(1L, r.getLong(2));
    }
  }

  @Test
  void columnsThatCannotFeedTheModelAreRefusedBeforeAnyTaskRuns() {
    Dataset<Row> data = features(spark, 10, 1, IN).withColumn("text", lit("a")).withColumn("prediction", lit(1));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> mlp().input("x", "nosuch").build());
    assertTrue(missing.getMessage().contains("already mapped"), missing.getMessage());
    IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("mlp").input("x", "nosuch").build().transform(data));
    assertTrue(noColumn.getMessage().contains("no column 'nosuch'"), noColumn.getMessage());
    IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("mlp").input("x", "text").build().transform(data));
    assertTrue(text.getMessage().contains("column 'text' is string"), text.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("mlp").input("x", "features").output("y", "prediction").build().transform(data));
    assertTrue(clash.getMessage().contains("already has a column"), clash.getMessage());
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("mlp").input("x", "id", "id2").build().transform(data.withColumn("id2", col("id"))));
    assertTrue(count.getMessage().contains("takes " + IN + " values per row"), count.getMessage());
    IllegalArgumentException unmapped = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("mlp").build().transform(data));
    assertTrue(unmapped.getMessage().contains("is not mapped"), unmapped.getMessage());
    IllegalArgumentException integers = assertThrows(IllegalArgumentException.class, () -> SparkInference.builder()
        .store(store).model("twoinputs").input("a", "features").input("b", "features").build().transform(data));
    assertTrue(integers.getMessage().contains("takes integers"), integers.getMessage());
  }

  // ------------------------------------------------------------------ SQL

  @Test
  void aRegisteredFunctionScoresRowsInSql() {
    ModelVersion v = mlp().build().registerUdf(spark, "score");
    assertEquals(new ModelVersion("mlp", 1), v);
    features(spark, 200, 2, IN).createOrReplaceTempView("events");
    // No ORDER BY: its sampling job would run the function once more (and count rejections twice).
    List<Row> out = spark.sql("SELECT id, score(features) AS y FROM events").collectAsList();
    assertEquals(200, out.size());
    for (Row r : out) {
      float[] want = SampleModels.mlpReference(IN, HIDDEN, OUT, 1, Tensor.of(featuresOf(r.getLong(0), 1, IN), 1, IN))
          .toFloatArray();
      List<Float> y = r.getList(1);
      for (int k = 0; k < OUT; k++) {
        assertTrue(close(want[k], y.get(k)), "row " + r.getLong(0));
      }
    }

    // A model with a [batch, 1] output and a numeric argument per row; nulls counted, not failing.
    LongAccumulator rejected = spark.sparkContext().longAccumulator("rejected in SQL");
    SparkInference.builder().store(store).model("small").runtime(ONE_THREAD)
        .invalidRows(InvalidRows.nullAndCount(rejected)).build().registerUdf(spark, "small_score");
    List<Row> small = new java.util.ArrayList<>(spark.sql("SELECT id,"
        + " small_score(CASE WHEN id = 3 THEN NULL ELSE slice(features, 1, 4) END) FROM events WHERE id < 10")
        .collectAsList());
    small.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    assertEquals(10, small.size());
    assertNull(small.get(3).get(1));
    assertEquals(1, small.get(0).getList(1).size());
    assertEquals(1L, rejected.value());

    SparkException e = assertThrows(SparkException.class,
        () -> spark.sql("SELECT score(slice(features, 1, 2)) FROM events").collectAsList());
    assertTrue(String.valueOf(e.getMessage()).contains("the argument of score() holds 2 values, shape [2]"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SparkInference.builder().store(store).model("twoinputs").build().registerUdf(spark, "two"));
  }

  /**
   * The executor's one service must not serialize its tasks: with as many allowed runs as task
   * slots, every call runs at once on its task's thread and none waits in the service's queue
   * (one allowed run would queue the second task's calls whenever the two overlap).
   */
  @Test
  void twoTasksRunTheirBatchesAtOnceOnTheSharedServiceWithoutQueueing() throws Exception {
    maas.deploy("parallel", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 1));
    SparkInference s = SparkInference.builder().store(store).model("parallel").runtime(ONE_THREAD)
        .input("x", "features").batchSize(50).build();
    assertEquals(40_000, s.transform(features(spark, 40_000, 2, IN)).count());
    List<SchedulerStats> stats =
        ExecutorServices.service(new ServiceConfig(store, ONE_THREAD, "parallel")).stats();
    assertEquals(1, stats.size(), stats.toString());
    assertEquals(800, stats.get(0).completed());
    assertEquals(0.0, stats.get(0).queueWait().max(), "no call waited for a free run: " + stats.get(0));
  }

  @Test
  void oneServicePerExecutorJvmServesEveryTaskAndJob() throws Exception {
    maas.deploy("shared", SparkFixtures.mlpFile(tmp, IN, HIDDEN, OUT, 1));
    SparkInference s = SparkInference.builder().store(store).model("shared").runtime(ONE_THREAD)
        .input("x", "features").build();
    assertEquals(1000, s.transform(features(spark, 1000, 4, IN)).count());
    assertEquals(1000, s.transform(features(spark, 1000, 4, IN)).count());
    ModelService executors = ExecutorServices.service(new ServiceConfig(store, ONE_THREAD, "shared"));
    List<SchedulerStats> stats = executors.stats();
    assertEquals(1, stats.size(), stats.toString());
    assertEquals(new ModelVersion("shared", 1), stats.get(0).version());
    assertEquals(8, stats.get(0).completed(), "one call per partition of 250 rows, two jobs of four partitions");
  }
}
