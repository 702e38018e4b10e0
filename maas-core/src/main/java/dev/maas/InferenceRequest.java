package dev.maas;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The named input tensors of one call. Immutable and thread-safe; iteration follows insertion order.
 *
 * <pre>{@code
 * InferenceRequest req = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
 * }</pre>
 */
public final class InferenceRequest {
  private final Map<String, Tensor> inputs;

  /** Takes {@code inputs} as they are: the builder hands over an unmodifiable copy. */
  private InferenceRequest(Map<String, Tensor> inputs) {
    this.inputs = inputs;
  }

  /**
   * A request with one input.
   *
   * @throws InvalidInputException if the name is empty
   */
  public static InferenceRequest of(String name, Tensor tensor) {
    checkInput(name, tensor);
    return new InferenceRequest(Collections.singletonMap(name, tensor));
  }

  /** A request with the given inputs (copied; iteration order kept). */
  public static InferenceRequest of(Map<String, Tensor> inputs) {
    Builder b = builder();
    inputs.forEach(b::input);
    return b.build();
  }

  /** A builder for requests with several inputs. */
  public static Builder builder() {
    return new Builder();
  }

  /** The inputs by name, unmodifiable, in insertion order. */
  public Map<String, Tensor> inputs() {
    return inputs;
  }

  /** One input, or null if absent. */
  public Tensor input(String name) {
    return inputs.get(name);
  }

  @Override
  public String toString() {
    return "InferenceRequest" + inputs;
  }

  /** Collects named inputs; not thread-safe. */
  public static final class Builder {
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds an input.
     *
     * @throws InvalidInputException if the name is empty or already used
     */
    public Builder input(String name, Tensor tensor) {
      checkInput(name, tensor);
      if (inputs.putIfAbsent(name, tensor) != null) {
        throw new InvalidInputException("input '" + name + "' given twice");
      }
      return this;
    }

    /** The request. */
    public InferenceRequest build() {
      return new InferenceRequest(NamedTensors.copyOf(inputs));
    }
  }

  private static void checkInput(String name, Tensor tensor) {
    Objects.requireNonNull(tensor, "tensor");
    if (name == null || name.isEmpty()) {
      throw new InvalidInputException("input name must not be empty");
    }
  }
}
