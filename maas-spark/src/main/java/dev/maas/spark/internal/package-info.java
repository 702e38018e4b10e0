/**
 * The implementation of maas-spark: planning on the driver, the per-JVM services, reading rows
 * into tensors and outputs into columns. Not API; {@code SparkInternals} is the only class that
 * uses Spark's unstable internals beyond Catalyst's row and array types.
 */
package dev.maas.spark.internal;
