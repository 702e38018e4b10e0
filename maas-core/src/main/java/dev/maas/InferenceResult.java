package dev.maas;

import dev.maas.version.ModelVersion;
import java.util.Map;
import java.util.Objects;

/**
 * The named output tensors of one call and the model version that produced them. Immutable and
 * thread-safe.
 */
public final class InferenceResult {
  private final ModelVersion version;
  private final Map<String, Tensor> outputs;

  /**
   * Creates a result.
   *
   * @param version the version that served the call
   * @param outputs the outputs by name (copied; order kept)
   */
  public InferenceResult(ModelVersion version, Map<String, Tensor> outputs) {
    this.version = Objects.requireNonNull(version, "version");
    this.outputs = NamedTensors.copyOf(outputs);
  }

  /** The model version that served this call. */
  public ModelVersion version() {
    return version;
  }

  /** All outputs by name, in the model's output order. */
  public Map<String, Tensor> outputs() {
    return outputs;
  }

  /**
   * One output.
   *
   * @throws InvalidInputException if the model has no output of that name
   */
  public Tensor output(String name) {
    Tensor t = outputs.get(name);
    if (t == null) {
      throw new InvalidInputException("no output '" + name + "'; outputs are " + outputs.keySet());
    }
    return t;
  }

  /**
   * The only output of a single-output model.
   *
   * @throws IllegalStateException if there is not exactly one output
   */
  public Tensor output() {
    if (outputs.size() != 1) {
      throw new IllegalStateException("model has " + outputs.size() + " outputs " + outputs.keySet() + "; name one");
    }
    return outputs.values().iterator().next();
  }

  @Override
  public String toString() {
    return "InferenceResult{" + version + ", " + outputs + "}";
  }
}
