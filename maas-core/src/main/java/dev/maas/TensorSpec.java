package dev.maas;

import java.util.List;
import java.util.Objects;

/**
 * What a model expects of one input or produces as one output: name, dtype and shape.
 *
 * @param name the tensor's name in the model
 * @param dtype the element type
 * @param shape the dimensions, or null when the model does not declare its rank
 */
public record TensorSpec(String name, DType dtype, List<Dimension> shape) {
  /** Validates and copies. */
  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape == null ? null : List.copyOf(shape);
  }

  /** Whether the rank is declared. */
  public boolean hasShape() {
    return shape != null;
  }

  /**
   * Checks one tensor against this spec: dtype, rank, and every fixed dimension.
   *
   * @throws InvalidInputException naming the input, what was expected and what was given
   */
  public void check(Tensor t) {
    if (t.dtype() != dtype) {
      throw new InvalidInputException(
          "input '" + name + "' must be " + dtype + " but is " + t.dtype());
    }
    if (shape == null) {
      return;
    }
    if (t.rank() != shape.size()) {
      throw new InvalidInputException(
          "input '" + name + "' must have rank " + shape.size() + " " + shapeString()
              + " but has rank " + t.rank() + " " + java.util.Arrays.toString(t.shape()));
    }
    for (int i = 0; i < shape.size(); i++) {
      Dimension d = shape.get(i);
      if (d.isFixed() && d.size() != t.dim(i)) {
        throw new InvalidInputException(
            "input '" + name + "' dimension " + i + " must be " + d.size() + " " + shapeString()
                + " but is " + t.dim(i) + " " + java.util.Arrays.toString(t.shape()));
      }
    }
  }

  /** The shape as text, e.g. {@code [batch, 4]}; {@code [*]} when the rank is unknown. */
  public String shapeString() {
    return shape == null ? "[*]" : shape.toString();
  }

  @Override
  public String toString() {
    return name + ": " + dtype + shapeString();
  }
}
