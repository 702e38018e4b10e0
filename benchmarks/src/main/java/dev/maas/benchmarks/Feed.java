package dev.maas.benchmarks;

import java.util.List;

/**
 * The inputs of one call as plain Java arrays, which every system under test converts into its
 * own tensors on every call (that conversion is part of what a caller pays), plus the name of the
 * output to copy back.
 *
 * @param rows the batch dimension of every input
 * @param inputs the inputs in the model's order
 * @param output the output every system copies back into a {@code float[]}
 */
public record Feed(int rows, List<Input> inputs, String output) {

  /** The same inputs, copying back another output. */
  public Feed withOutput(String name) {
    return new Feed(rows, inputs, name);
  }

  /**
   * One input.
   *
   * @param name the model's input name
   * @param values a {@code float[]} or a {@code long[]}, row-major
   * @param shape the shape, batch first
   */
  public record Input(String name, Object values, long[] shape) {
    /** Checks the array type. */
    public Input {
      if (!(values instanceof float[]) && !(values instanceof long[])) {
        throw new IllegalArgumentException("values must be float[] or long[], not " + values.getClass());
      }
    }
  }
}
