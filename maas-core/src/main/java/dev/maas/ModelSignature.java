package dev.maas;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The inputs a model takes and the outputs it returns, as read from the model by its runtime and
 * recorded in each version's manifest.
 *
 * @param inputs the inputs in the model's order (initializers excluded)
 * @param outputs the outputs in the model's order
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
  /** Copies the lists. */
  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The input of that name, if any. */
  public Optional<TensorSpec> input(String name) {
    for (TensorSpec s : inputs) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The output of that name, if any. */
  public Optional<TensorSpec> output(String name) {
    for (TensorSpec s : outputs) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * Checks a set of inputs against this signature before any native code sees them: every input
   * present and known, each with the right dtype, rank and fixed dimensions.
   *
   * @throws InvalidInputException naming the first problem found
   */
  public void validate(Map<String, Tensor> given) {
    Objects.requireNonNull(given, "inputs");
    for (String name : given.keySet()) {
      if (input(name).isEmpty()) {
        throw new InvalidInputException(
            "unknown input '" + name + "'; the model takes " + names(inputs));
      }
    }
    for (TensorSpec spec : inputs) {
      Tensor t = given.get(spec.name());
      if (t == null) {
        throw new InvalidInputException(
            "missing input '" + spec.name() + "' (" + spec.dtype() + spec.shapeString() + ")");
      }
      spec.check(t);
    }
  }

  private static String names(List<TensorSpec> specs) {
    StringBuilder sb = new StringBuilder("[");
    for (TensorSpec s : specs) {
      sb.append(sb.length() > 1 ? ", " : "").append(s);
    }
    return sb.append(']').toString();
  }
}
