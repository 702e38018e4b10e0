package dev.maas.spark.internal;

import dev.maas.InferenceException;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.spark.InvalidRows;
import dev.maas.version.ModelVersion;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * Everything executors need to score rows, fixed on the driver: the service to use, the exact
 * version (resolved once, so a promotion during the job changes nothing), how inputs are read
 * and outputs written, the batch size and what to do with rows that do not fit.
 *
 * @param service the executor service's configuration
 * @param model the model name
 * @param version the exact version every task runs
 * @param inputs one binding per model input
 * @param outputs one binding per output column
 * @param batchSize the most rows per model call
 * @param invalidRows what a row that does not fit does
 * @param versionColumn whether the version number is appended after the outputs
 * @param inputWidth the number of columns of the input rows
 * @param outputSchema the schema of the result
 */
record InferencePlan(
    ServiceConfig service,
    String model,
    long version,
    List<InputBinding> inputs,
    List<OutputBinding> outputs,
    int batchSize,
    InvalidRows invalidRows,
    boolean versionColumn,
    int inputWidth,
    StructType outputSchema) implements Serializable {

  InferencePlan {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The exact ref executors call. */
  ModelRef ref() {
    return ModelRef.of(model, version);
  }

  /** The exact version, e.g. {@code mlp:3}. */
  ModelVersion modelVersion() {
    return new ModelVersion(model, version);
  }

  /**
   * Returns {@code result} if the plan's exact version answered it: the guarantee that one job's
   * output comes from one version rests on this, not only on asking for that version.
   *
   * @throws InferenceException if another version answered
   */
  InferenceResult answered(InferenceResult result) {
    if (result.version().version() != version || !result.version().model().equals(model)) {
      throw new InferenceException("asked for " + modelVersion() + " but " + result.version() + " answered");
    }
    return result;
  }
}
