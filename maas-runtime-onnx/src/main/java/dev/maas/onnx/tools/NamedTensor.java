package dev.maas.onnx.tools;

import dev.maas.Tensor;
import java.util.Objects;

/**
 * A tensor and the name an ONNX {@code TensorProto} gave it.
 *
 * @param name the tensor's name; empty when the proto had none, never null
 * @param tensor the values, never null
 */
public record NamedTensor(String name, Tensor tensor) {
  /**
   * Creates the pair, checking that neither component is null.
   *
   * @param name the tensor's name; empty when the proto had none
   * @param tensor the values
   */
  public NamedTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tensor, "tensor");
  }
}
