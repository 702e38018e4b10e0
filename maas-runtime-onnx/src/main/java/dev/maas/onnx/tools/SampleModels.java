package dev.maas.onnx.tools;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Small ONNX models generated in code, for tests, examples and benchmarks: each method returns the
 * bytes of a {@code ModelProto} (IR version {@value OnnxModelBuilder#DEFAULT_IR_VERSION}, opset
 * {@value OnnxModelBuilder#DEFAULT_OPSET}) that ONNX Runtime loads as it is.
 *
 * <p>Every model is deterministic: the same arguments give the same bytes. Symbolic dimensions are
 * named {@code "batch"}. Stateless and thread-safe.
 */
public final class SampleModels {
  /** The largest number of weights {@link #mlp} generates: 2^28 floats, 1 GiB. */
  static final long MAX_MLP_PARAMETERS = 1L << 28;

  private SampleModels() {}

  /**
   * A two-layer perceptron: {@code y = relu(x · W1ᵀ + b1) · W2 + b2}.
   *
   * <p>Input {@code "x"} float32 {@code [batch, inputs]}, output {@code "y"} float32 {@code [batch,
   * outputs]}. The first layer is a {@code Gemm} (with {@code transB = 1}, so the model also carries
   * INT and FLOAT attributes), the second a {@code MatMul} and an {@code Add}. Weights and biases are
   * drawn uniformly from ±1/√fan-in by {@link Random} seeded with {@code seed}, so {@link
   * #mlpReference} can recompute them.
   *
   * @param inputs features per example, at least 1
   * @param hidden width of the hidden layer, at least 1
   * @param outputs values per example, at least 1
   * @param seed the seed of the weights
   * @return the model bytes
   * @throws InvalidInputException if a size is below 1 or the model would hold more than 2^28 weights
   */
  public static byte[] mlp(int inputs, int hidden, int outputs, long seed) {
    Mlp m = new Mlp(inputs, hidden, outputs, seed);
    return OnnxModelBuilder.create()
        .producerName("maas SampleModels.mlp")
        .input("x", DType.FLOAT32, "batch", inputs)
        .initializer("W1", Tensor.of(m.w1, hidden, inputs))
        .initializer("b1", Tensor.of(m.b1, hidden))
        .initializer("W2", Tensor.of(m.w2, hidden, outputs))
        .initializer("b2", Tensor.of(m.b2, outputs))
        .node("Gemm", List.of("x", "W1", "b1"), List.of("h"), Map.of("transB", 1L, "alpha", 1.0f, "beta", 1.0f))
        .node("Relu", List.of("h"), List.of("r"))
        .node("MatMul", List.of("r", "W2"), List.of("m"))
        .node("Add", List.of("m", "b2"), List.of("y"))
        .output("y", DType.FLOAT32, "batch", outputs)
        .build();
  }

  /**
   * Computes in plain Java what {@link #mlp(int, int, int, long) mlp} with the same arguments
   * computes, to check a runtime's results against. Sums are taken in double precision and rounded
   * to float at the end, so expect differences of a few float ulps from any runtime.
   *
   * @param inputs as given to {@code mlp}
   * @param hidden as given to {@code mlp}
   * @param outputs as given to {@code mlp}
   * @param seed as given to {@code mlp}
   * @param x a float32 tensor of shape {@code [batch, inputs]}
   * @return the float32 tensor {@code y} of shape {@code [batch, outputs]}
   * @throws InvalidInputException if {@code x} has the wrong dtype or shape
   */
  public static Tensor mlpReference(int inputs, int hidden, int outputs, long seed, Tensor x) {
    Objects.requireNonNull(x, "x");
    if (x.dtype() != DType.FLOAT32 || x.rank() != 2 || x.dim(1) != inputs) {
      throw new InvalidInputException("mlpReference needs x float32 [batch, " + inputs + "], got " + x);
    }
    Mlp m = new Mlp(inputs, hidden, outputs, seed);
    int batch = (int) x.dim(0);
    float[] in = x.toFloatArray();
    float[] out = new float[batch * outputs];
    double[] h = new double[hidden];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < hidden; j++) {
        double s = m.b1[j];
        for (int i = 0; i < inputs; i++) {
          s += (double) in[b * inputs + i] * m.w1[j * inputs + i];
        }
        h[j] = Math.max(0.0, (float) s); // ONNX Runtime rounds h to float before Relu
      }
      for (int k = 0; k < outputs; k++) {
        double s = 0;
        for (int j = 0; j < hidden; j++) {
          s += h[j] * m.w2[j * outputs + k];
        }
        out[b * outputs + k] = (float) s + m.b2[k]; // MatMul gives a float, then Add
      }
    }
    return Tensor.of(out, batch, outputs);
  }

  /**
   * A model that returns its input: {@code y = Identity(x)}, both of {@code dtype} and shape {@code
   * [batch, 3]}. ONNX Runtime loads it for every DType; its Java API cannot create uint16, uint32 or
   * uint64 inputs, so those cannot be run from Java.
   *
   * @param dtype the element type of {@code x} and {@code y}
   * @return the model bytes
   */
  public static byte[] identity(DType dtype) {
    Objects.requireNonNull(dtype, "dtype");
    return OnnxModelBuilder.create()
        .producerName("maas SampleModels.identity")
        .input("x", dtype, "batch", 3)
        .node("Identity", List.of("x"), List.of("y"))
        .output("y", dtype, "batch", 3)
        .build();
  }

  /**
   * A model with two inputs and two outputs of different types: inputs {@code "a"} float32 {@code
   * [batch, 4]} and {@code "b"} int64 {@code [batch, 2]}; outputs {@code "sum" = a + a} float32
   * {@code [batch, 4]} and {@code "b_out" = b} int64 {@code [batch, 2]}.
   *
   * @return the model bytes
   */
  public static byte[] twoInTwoOut() {
    return OnnxModelBuilder.create()
        .producerName("maas SampleModels.twoInTwoOut")
        .input("a", DType.FLOAT32, "batch", 4)
        .input("b", DType.INT64, "batch", 2)
        .node("Add", List.of("a", "a"), List.of("sum"))
        .node("Identity", List.of("b"), List.of("b_out"))
        .output("sum", DType.FLOAT32, "batch", 4)
        .output("b_out", DType.INT64, "batch", 2)
        .build();
  }

  /**
   * A model whose input has a fixed shape, for testing shape validation: {@code "x"} float32 {@code
   * [2, 3]}, output {@code "y" = 2 * x} float32 {@code [2, 3]} (a {@code Mul} by a scalar
   * initializer).
   *
   * @return the model bytes
   */
  public static byte[] fixedShape() {
    ByteBuffer two = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, 2.0f);
    return OnnxModelBuilder.create()
        .producerName("maas SampleModels.fixedShape")
        .input("x", DType.FLOAT32, 2, 3)
        .initializer("two", Tensor.copyOf(DType.FLOAT32, two))
        .node("Mul", List.of("x", "two"), List.of("y"))
        .output("y", DType.FLOAT32, 2, 3)
        .build();
  }

  /** The seeded weights of an MLP, generated in a fixed order: W1, b1, W2, b2. */
  private static final class Mlp {
    final float[] w1; // [hidden, inputs], used transposed by Gemm
    final float[] b1; // [hidden]
    final float[] w2; // [hidden, outputs]
    final float[] b2; // [outputs]

    Mlp(int inputs, int hidden, int outputs, long seed) {
      if (inputs < 1 || hidden < 1 || outputs < 1) {
        throw new InvalidInputException(
            "mlp sizes must be at least 1, got inputs=" + inputs + " hidden=" + hidden + " outputs=" + outputs);
      }
      long params = (long) hidden * inputs + hidden + (long) hidden * outputs + outputs;
      if (params > MAX_MLP_PARAMETERS) {
        throw new InvalidInputException("mlp of " + params + " weights is larger than " + MAX_MLP_PARAMETERS);
      }
      Random random = new Random(seed); // java.util.Random: its sequence is specified, so stable
      w1 = uniform(random, hidden * inputs, inputs);
      b1 = uniform(random, hidden, inputs);
      w2 = uniform(random, hidden * outputs, hidden);
      b2 = uniform(random, outputs, hidden);
    }

    private static float[] uniform(Random random, int n, int fanIn) {
      float bound = (float) (1.0 / Math.sqrt(fanIn));
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (random.nextFloat() * 2 - 1) * bound;
      }
      return v;
    }
  }
}
