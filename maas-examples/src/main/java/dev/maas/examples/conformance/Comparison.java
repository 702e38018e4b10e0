package dev.maas.examples.conformance;

import dev.maas.DType;
import dev.maas.Tensor;
import java.util.Arrays;

/**
 * Compares an actual output with the expected one the way ONNX's backend tests do: dtype and shape
 * exactly; integers, bools and strings exactly; floats with {@code |a - e| <= atol + rtol * |e|}
 * (rtol 1e-3, atol 1e-7), NaN equal to NaN.
 */
public final class Comparison {
  /** Relative tolerance of ONNX's backend tests. */
  public static final double RTOL = 1e-3;
  /** Absolute tolerance of ONNX's backend tests. */
  public static final double ATOL = 1e-7;

  private Comparison() {}

  /** Null when {@code actual} matches {@code expected}, else the first difference, described. */
  public static String difference(String name, Tensor expected, Tensor actual) {
    if (expected.dtype() != actual.dtype()) {
      return "output '" + name + "' is " + actual.dtype() + ", expected " + expected.dtype();
    }
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      return "output '" + name + "' has shape " + Arrays.toString(actual.shape()) + ", expected "
          + Arrays.toString(expected.shape());
    }
    if (expected.dtype() == DType.STRING) {
      String[] e = expected.toStringArray();
      String[] a = actual.toStringArray();
      for (int i = 0; i < e.length; i++) {
        if (!e[i].equals(a[i])) {
          return "output '" + name + "' element " + i + " is \"" + a[i] + "\", expected \"" + e[i] + "\"";
        }
      }
      return null;
    }
    boolean exact = !isFloat(expected.dtype());
    if (exact) {
      // bit-exact comparison of the element bytes
      if (!expected.buffer().equals(actual.buffer())) {
        double[] e = expected.toDoubles();
        double[] a = actual.toDoubles();
        for (int i = 0; i < e.length; i++) {
          if (Double.compare(e[i], a[i]) != 0) {
            return "output '" + name + "' element " + i + " is " + a[i] + ", expected " + e[i];
          }
        }
        return "output '" + name + "' differs";
      }
      return null;
    }
    double[] e = expected.toDoubles();
    double[] a = actual.toDoubles();
    int bad = 0;
    int first = -1;
    for (int i = 0; i < e.length; i++) {
      if (!close(e[i], a[i])) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad == 0) {
      return null;
    }
    return "output '" + name + "' differs in " + bad + " of " + e.length + " elements; first at " + first
        + ": " + a[first] + ", expected " + e[first];
  }

  static boolean close(double e, double a) {
    if (Double.isNaN(e) || Double.isNaN(a)) {
      return Double.isNaN(e) && Double.isNaN(a);
    }
    if (Double.isInfinite(e) || Double.isInfinite(a)) {
      return e == a;
    }
    return Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
  }

  private static boolean isFloat(DType t) {
    return t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.FLOAT16 || t == DType.BFLOAT16;
  }
}
