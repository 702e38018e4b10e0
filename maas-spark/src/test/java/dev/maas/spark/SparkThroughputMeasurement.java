package dev.maas.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link SparkThroughput} under surefire (which sets the JVM flags Spark needs), when asked
 * for: it is tagged {@code measurement}, which the module's tests leave out by default. Run it,
 * under the measurement lock so that two people's measurements do not overlap, with
 *
 * <pre>
 * flock /tmp/maas-measure.lock mvn -o -B verify -pl maas-spark -am -Dtest=SparkThroughputMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dmaas.spark.excludedGroups=none \
 *     [-Dspark.test.heap=6g -Dmaas.measure.args="--model 256x1024x256 --rows 1000000 --rounds 5"]
 * </pre>
 *
 * It prints the report and writes it to {@code maas-spark/target/spark-throughput.txt}.
 */
@Tag("measurement")
class SparkThroughputMeasurement {
  @TempDir Path tmp;

  @Test
  void measure() throws Exception {
    String args = System.getProperty("maas.measure.args", "").trim();
    String[] given = args.isEmpty() ? new String[0] : args.split("\\s+");
    String[] all = new String[given.length + 2];
    System.arraycopy(given, 0, all, 0, given.length);
    all[given.length] = "--out";
    all[given.length + 1] = Path.of("target", "spark-throughput.txt").toString();
    String report = SparkThroughput.run(all, tmp);
    System.out.println(report);
    assertTrue(report.contains("local[2] / local[1]"), report);
  }
}
