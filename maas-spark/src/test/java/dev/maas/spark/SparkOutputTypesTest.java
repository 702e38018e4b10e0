package dev.maas.spark;

import static dev.maas.spark.SparkFixtures.ONE_THREAD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maas.DType;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.OnnxModelBuilder;
import dev.maas.onnx.tools.OnnxTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every output dtype maas-spark maps to a column: a model casts float32 features to the dtype, and
 * the scored column must hold, row by row and in Spark's type for that dtype, what {@code
 * ModelService.predict} returns for the same rows, through the batched path (several batches, one
 * short) and through the SQL function.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SparkOutputTypesTest {
  private static final int ROWS = 23;
  private static final int PER = 3;

  @TempDir static Path tmp;
  private static SparkSession spark;
  private static OnnxRuntime runtime;
  private static ModelService maas;
  private static StoreSpec store;
  private static Dataset<Row> data;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkFixtures.session(2);
    runtime = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
    Path dir = Files.createDirectories(tmp.resolve("store"));
    maas = ModelService.builder().storeDirectory(dir).runtime(runtime).build();
    store = StoreSpec.directory(dir);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < ROWS; r++) {
      rows.add(RowFactory.create((long) r, features(r)));
    }
    StructType schema = new StructType()
        .add("id", DataTypes.LongType, false)
        .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    data = spark.createDataFrame(rows, schema).repartition(2);
  }

  @AfterAll
  static void stop() {
    SparkFixtures.stopAll(maas, runtime, spark);
  }

  /**
   * Non-negative values (a negative float cast to an unsigned type is undefined in C++): whole,
   * fractional, zero, and past 2^31, where a uint32 must be widened without its sign.
   */
  private static float[] features(int r) {
    return new float[] {r, (r % 4) * 0.75f, r % 3 == 0 ? 0f : r % 3 == 1 ? 100 + r : 3.0e9f + r * 1024};
  }

  /**
   * Spark's element type for a dtype's output column, as the README documents it (restated here,
   * not taken from the code under test).
   */
  private static DataType sparkType(DType dtype) {
    switch (dtype) {
      case FLOAT32: case FLOAT16: case BFLOAT16: return DataTypes.FloatType;
      case FLOAT64: return DataTypes.DoubleType;
      case INT8: case UINT8: case INT16: case UINT16: case INT32: return DataTypes.IntegerType;
      case UINT32: case INT64: return DataTypes.LongType;
      case BOOL: return DataTypes.BooleanType;
      case STRING: return DataTypes.StringType;
      default: throw new IllegalArgumentException(dtype.toString());
    }
  }

  private static String deployCast(DType dtype) throws Exception {
    String name = "cast-" + dtype.name().toLowerCase(java.util.Locale.ROOT);
    Path file = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, "batch", PER)
        .node("Cast", List.of("x"), List.of("y"), Map.of("to", OnnxTypes.toOnnx(dtype)))
        .output("y", dtype, "batch", PER)
        .writeTo(tmp.resolve(name + ".onnx"));
    maas.deploy(name, file);
    return name;
  }

  /** What predict gives for row {@code r}, as the Java values Spark hands out for the column. */
  private static List<Object> expected(String name, DType dtype, int r) {
    Tensor y = maas.predict(ModelRef.parse(name + ":1"), InferenceRequest.of("x", Tensor.of(features(r), 1, PER)))
        .output("y");
    List<Object> values = new ArrayList<>();
    switch (dtype) {
      case FLOAT32: case FLOAT16: case BFLOAT16:
        for (float v : y.toFloatArray()) {
          values.add(v);
        }
        break;
      case FLOAT64:
        for (double v : y.toDoubleArray()) {
          values.add(v);
        }
        break;
      case INT64:
        for (long v : y.toLongArray()) {
          values.add(v);
        }
        break;
      case UINT32:
        for (int v : y.toIntArray()) {
          values.add(v & 0xFFFFFFFFL);
        }
        break;
      case BOOL:
        for (boolean v : y.toBooleanArray()) {
          values.add(v);
        }
        break;
      case STRING:
        values.addAll(List.of(y.toStringArray()));
        break;
      default: // the small integers, widened to int
        for (double v : y.toDoubles()) {
          values.add((int) v);
        }
    }
    return values;
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16", "BFLOAT16", "FLOAT64", "INT8", "UINT8", "INT16",
      "UINT16", "INT32", "UINT32", "INT64", "BOOL", "STRING"})
  void eachOutputDtypeLandsInItsColumnTypeWithPredictsValues(DType dtype) throws Exception {
    String name = deployCast(dtype);
    Dataset<Row> scored = SparkInference.builder().store(store).model(name + ":1").runtime(ONE_THREAD)
        .input("x", "features").output("y", "y").batchSize(5).build().transform(data);

    assertEquals(new ArrayType(sparkType(dtype), false), scored.schema().apply("y").dataType(),
        "column type of " + dtype);
    List<Row> rows = scored.select("id", "y").collectAsList();
    assertEquals(ROWS, rows.size());
    for (Row row : rows) {
      int r = Math.toIntExact(row.getLong(0));
      assertEquals(expected(name, dtype, r), row.getList(1), dtype + " row " + r);
    }

    // The SQL function converts the same output to Spark's external values one row at a time.
    SparkInference.builder().store(store).model(name + ":1").runtime(ONE_THREAD).build()
        .registerUdf(spark, "score_" + dtype.name().toLowerCase(java.util.Locale.ROOT));
    data.createOrReplaceTempView("rows_" + dtype.name().toLowerCase(java.util.Locale.ROOT));
    List<Row> viaSql = spark.sql("SELECT id, score_" + dtype.name().toLowerCase(java.util.Locale.ROOT)
        + "(features) FROM rows_" + dtype.name().toLowerCase(java.util.Locale.ROOT)).collectAsList();
    assertEquals(ROWS, viaSql.size());
    for (Row row : viaSql) {
      int r = Math.toIntExact(row.getLong(0));
      assertEquals(expected(name, dtype, r), row.getList(1), dtype + " row " + r + " through SQL");
    }
  }
}
