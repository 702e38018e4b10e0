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

  @BeforeAll
  static void start() throws Exception {
    spark = SparkFixtures.session(2);
    runtime = OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
    Path dir = Files.createDirectories(tmp.resolve("store"));
    maas = ModelService.builder().storeDirectory(dir).runtime(runtime).build();
    store = StoreSpec.directory(dir);
  }

  /** Rows of an id, three features for the [batch, 3] model and one value for the [batch] model. */
  private static Dataset<Row> data(DType dtype) {
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < ROWS; r++) {
      float[] f = features(r, dtype);
      rows.add(RowFactory.create((long) r, f, f[2]));
    }
    StructType schema = new StructType()
        .add("id", DataTypes.LongType, false)
        .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add("value", DataTypes.FloatType, false);
    return spark.createDataFrame(rows, schema).repartition(2);
  }

  @AfterAll
  static void stop() {
    SparkFixtures.stopAll(maas, runtime, spark);
  }

  /**
   * Values every cast defines: non-negative (a negative float cast to an unsigned type is
   * undefined in C++) and in the dtype's range (so is an out-of-range cast); whole, fractional and
   * zero, and past 2^31 where the dtype holds it, where a uint32 must be widened without its sign.
   */
  private static float[] features(int r, DType dtype) {
    boolean wide = switch (dtype) {
      case UINT32, INT64, FLOAT32, FLOAT16, BFLOAT16, FLOAT64, BOOL, STRING -> true;
      default -> false;
    };
    float third = r % 3 == 0 ? 0f : r % 3 == 1 || !wide ? 100 + r : 3.0e9f + r * 1024;
    return new float[] {r, (r % 4) * 0.75f, third};
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

  /** Deploys {@code y = Cast(x)} to {@code dtype}, of shape [batch, 3] or, {@code rankOne}, [batch]. */
  private static String deployCast(DType dtype, boolean rankOne) throws Exception {
    String name = (rankOne ? "cast1-" : "cast-") + dtype.name().toLowerCase(java.util.Locale.ROOT);
    Object[] dims = rankOne ? new Object[] {"batch"} : new Object[] {"batch", PER};
    Path file = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, dims)
        .node("Cast", List.of("x"), List.of("y"), Map.of("to", OnnxTypes.toOnnx(dtype)))
        .output("y", dtype, dims)
        .writeTo(tmp.resolve(name + ".onnx"));
    maas.deploy(name, file);
    return name;
  }

  /** What predict gives for row {@code r}, as the Java values Spark hands out for the column. */
  private static List<Object> expected(String name, DType dtype, int r, boolean rankOne) {
    float[] f = features(r, dtype);
    Tensor x = rankOne ? Tensor.of(new float[] {f[2]}, 1) : Tensor.of(f, 1, PER);
    Tensor y = maas.predict(ModelRef.parse(name + ":1"), InferenceRequest.of("x", x)).output("y");
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
    Dataset<Row> data = data(dtype);
    String suffix = dtype.name().toLowerCase(java.util.Locale.ROOT);
    data.createOrReplaceTempView("rows_" + suffix);
    for (boolean rankOne : new boolean[] {false, true}) {
      String name = deployCast(dtype, rankOne);
      String column = rankOne ? "value" : "features";
      Dataset<Row> scored = SparkInference.builder().store(store).model(name + ":1").runtime(ONE_THREAD)
          .input("x", column).output("y", "y").batchSize(5).build().transform(data);

      DataType expectedType = rankOne ? sparkType(dtype) : new ArrayType(sparkType(dtype), false);
      assertEquals(expectedType, scored.schema().apply("y").dataType(), "column type of " + name);
      List<Row> rows = scored.select("id", "y").collectAsList();
      assertEquals(ROWS, rows.size());
      for (Row row : rows) {
        int r = Math.toIntExact(row.getLong(0));
        assertEquals(expected(name, dtype, r, rankOne), values(row, rankOne), name + " row " + r);
      }

      // The SQL function converts the same output to Spark's external values one row at a time.
      String function = "score_" + name.replace('-', '_');
      SparkInference.builder().store(store).model(name + ":1").runtime(ONE_THREAD).build().registerUdf(spark, function);
      List<Row> viaSql = spark.sql("SELECT id, " + function + "(" + column + ") FROM rows_" + suffix).collectAsList();
      assertEquals(ROWS, viaSql.size());
      for (Row row : viaSql) {
        int r = Math.toIntExact(row.getLong(0));
        assertEquals(expected(name, dtype, r, rankOne), values(row, rankOne), name + " row " + r + " through SQL");
      }
    }
  }

  /** Field 1 of {@code row} as a list: its elements, or its one value. */
  private static List<Object> values(Row row, boolean rankOne) {
    return rankOne ? java.util.Collections.singletonList(row.get(1)) : row.getList(1);
  }
}
