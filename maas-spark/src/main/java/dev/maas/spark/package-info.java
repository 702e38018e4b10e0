/**
 * Batch inference with maas inside Apache Spark: {@link dev.maas.spark.SparkInference} adds a
 * model's outputs to a {@code Dataset<Row>} (or registers a SQL function), running the model in
 * the executors, one {@code ModelService} per executor JVM, on a version fixed on the driver.
 * {@link dev.maas.spark.StoreSpec} says where executors find the store, {@link
 * dev.maas.spark.RuntimeFactory} how they make the runtime, and {@link dev.maas.spark.InvalidRows}
 * what a row that does not fit the model does.
 *
 * <p>Everything under {@code dev.maas.spark.internal} is implementation, not API.
 */
package dev.maas.spark;
