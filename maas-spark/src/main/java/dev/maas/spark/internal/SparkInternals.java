package dev.maas.spark.internal;

import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The one place that uses Spark's internal (non-public, unstable) API: running a function over a
 * dataset's rows in their internal form and making a dataset of its results. The public way,
 * {@code Dataset.mapPartitions} with a row encoder, converts every column of every row to external
 * objects and back (boxing each array element), which measured several times the cost of a small
 * model's inference; see SparkThroughputMeasurement. Check this class first on a Spark upgrade.
 *
 * <p>Works on classic Spark sessions (not Spark Connect clients, which cannot run JVM code in
 * executors this way).
 */
final class SparkInternals {
  private SparkInternals() {}

  /**
   * {@code data}'s rows, in Spark's internal form, through {@code function}, as a dataset of
   * {@code schema}. The result's plan starts from the RDD, so the optimizer sees {@code data}'s
   * plan and the result's separately, as it would across {@code mapPartitions}. The function may
   * hand out one reused row object (as Spark's operators do): the scan Spark puts over the RDD
   * projects each row into its own buffer before it asks for the next.
   *
   * @throws IllegalArgumentException for a streaming dataset or a Spark Connect session
   */
  static Dataset<Row> mapInternalRows(Dataset<Row> data, FlatMapFunction<Iterator<InternalRow>, InternalRow> function,
      StructType schema) {
    if (data.isStreaming()) {
      throw new IllegalArgumentException("maas-spark scores batch datasets; for a stream, score each micro-batch"
          + " (foreachBatch)");
    }
    if (!(data instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
      throw new IllegalArgumentException("maas-spark needs a classic Spark session (not a Spark Connect client), got "
          + data.getClass().getName());
    }
    SparkSession session = data.sparkSession();
    RDD<InternalRow> rows = classic.queryExecution().toRdd();
    RDD<InternalRow> scored = rows.toJavaRDD().mapPartitions(function).rdd();
    return ((org.apache.spark.sql.classic.SparkSession) session).internalCreateDataFrame(scored, schema, false);
  }
}
