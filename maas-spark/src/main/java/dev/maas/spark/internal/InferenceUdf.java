package dev.maas.spark.internal;

import dev.maas.InvalidInputException;
import dev.maas.InferenceResult;
import dev.maas.InferenceRequest;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The SQL function form: one row per call, through the executor's shared service, on the exact
 * version fixed at registration. Returns null for a null or misfit argument when the plan says
 * so, counting it.
 */
final class InferenceUdf implements UDF1<Object, Object> {
  private static final long serialVersionUID = 1L;

  private final InferencePlan plan;

  InferenceUdf(InferencePlan plan) {
    this.plan = plan;
  }

  @Override
  public Object call(Object value) {
    InputBinding input = plan.inputs().get(0);
    OutputBinding output = plan.outputs().get(0);
    InputBinding.Batch batch = input.newBatch(1);
    String problem = batch.putValue(value, input.sources[0], 0, input.rowElements);
    if (problem != null) {
      if (plan.invalidRows().failsJob()) {
        throw new InvalidInputException("a row does not fit " + plan.modelVersion() + ": " + problem);
      }
      plan.invalidRows().counter().orElseThrow().add(1);
      return null;
    }
    InferenceResult result = plan.answered(ExecutorServices.service(plan.service())
        .predict(plan.ref(), InferenceRequest.of(input.input, batch.tensor(1))));
    return output.split(result.output(output.output), 1, plan.modelVersion().toString())[0];
  }
}
