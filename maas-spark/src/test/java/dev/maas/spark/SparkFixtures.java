package dev.maas.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;

import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Sessions, models and data shared by the Spark tests and the measurement. */
final class SparkFixtures {
  private SparkFixtures() {}

  /** ONNX Runtime with one thread per call: Spark's task slots are the parallelism. */
  static final RuntimeFactory ONE_THREAD = () -> OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));

  /** A quiet local session: no UI, loopback only, few shuffle partitions. */
  static SparkSession session(int threads) {
    return SparkSession.builder()
        .master("local[" + threads + "]")
        .appName("maas-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate();
  }

  /**
   * Ends a test class's Spark world: the executors' services, then the test's own service and
   * runtime (any may be null, if start-up failed), then the session.
   */
  static void stopAll(dev.maas.ModelService maas, OnnxRuntime runtime, SparkSession spark) {
    dev.maas.spark.internal.ExecutorServices.closeAll();
    if (maas != null) {
      maas.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (spark != null) {
      spark.stop();
    }
  }

  /** Writes a generated MLP to a file to deploy. */
  static Path mlpFile(Path dir, int in, int hidden, int out, long seed) throws IOException {
    Path file = dir.resolve("mlp-" + in + "-" + hidden + "-" + out + "-" + seed + ".onnx");
    Files.write(file, SampleModels.mlp(in, hidden, out, seed));
    return file;
  }

  /**
   * Feature {@code i} of row {@code id}: exact double arithmetic rounded once to float, computed
   * the same way by Spark ({@link #featureColumn}) and by plain Java.
   */
  static float feature(long id, int i) {
    return (float) (((id * 31 + i * 17L) % 1000) / 500.0 - 1.0);
  }

  static Column featureColumn(int i) {
    return col("id").multiply(31).plus(i * 17L).mod(1000).divide(500.0).minus(1.0).cast("float");
  }

  /** Rows {@code id} in {@code [0, rows)} with an {@code array<float>} column {@code features} of width {@code in}. */
  static Dataset<Row> features(SparkSession spark, long rows, int partitions, int in) {
    Column[] parts = new Column[in];
    for (int i = 0; i < in; i++) {
      parts[i] = featureColumn(i);
    }
    return spark.range(0, rows, 1, partitions).toDF().withColumn("features", array(parts));
  }

  /** The features of rows {@code [from, from + count)}, row-major. */
  static float[] featuresOf(long from, int count, int in) {
    float[] x = new float[count * in];
    for (int r = 0; r < count; r++) {
      for (int i = 0; i < in; i++) {
        x[r * in + i] = feature(from + r, i);
      }
    }
    return x;
  }

  /** Float comparison tolerant of the few ulps a different batch size can change in ONNX Runtime. */
  static boolean close(float expected, float actual) {
    return Math.abs(expected - actual) <= 1e-6f + 1e-5f * Math.abs(expected);
  }
}
