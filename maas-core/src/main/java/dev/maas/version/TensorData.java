package dev.maas.version;

import dev.maas.DType;
import dev.maas.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A tensor as stored in a manifest (warm-up samples): dtype, shape, and the elements as base64 of
 * their little-endian bytes, or as strings for string tensors.
 *
 * @param dtype the element type
 * @param shape the dimensions
 * @param base64 the little-endian element bytes, base64; null for string tensors
 * @param strings the elements of a string tensor; null otherwise
 */
public record TensorData(DType dtype, List<Long> shape, String base64, List<String> strings) {
  /** Validates and copies. */
  public TensorData {
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
    strings = strings == null ? null : List.copyOf(strings);
    if ((dtype == DType.STRING) != (strings != null) || (base64 == null) == (strings == null)) {
      throw new IllegalArgumentException("a string tensor has strings, any other has base64 bytes");
    }
  }

  /** The stored form of a tensor. */
  public static TensorData from(Tensor t) {
    List<Long> shape = new ArrayList<>();
    for (long d : t.shape()) {
      shape.add(d);
    }
    if (t.dtype() == DType.STRING) {
      return new TensorData(t.dtype(), shape, null, Arrays.asList(t.toStringArray()));
    }
    ByteBuffer src = t.buffer();
    byte[] le = new byte[src.remaining()];
    int size = t.dtype().byteSize();
    for (int i = 0; i < le.length; i += size) {
      for (int b = 0; b < size; b++) {
        // native order to little-endian, element by element
        le[i + b] = src.order() == ByteOrder.LITTLE_ENDIAN ? src.get(i + b) : src.get(i + size - 1 - b);
      }
    }
    return new TensorData(t.dtype(), shape, Base64.getEncoder().encodeToString(le), null);
  }

  /**
   * The tensor.
   *
   * @throws dev.maas.InvalidInputException if the data does not fit the dtype and shape
   */
  public Tensor toTensor() {
    long[] s = shape.stream().mapToLong(Long::longValue).toArray();
    if (dtype == DType.STRING) {
      return Tensor.of(strings.toArray(new String[0])).reshape(s);
    }
    byte[] le;
    try {
      le = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new dev.maas.InvalidInputException("tensor data is not base64: " + e.getMessage());
    }
    int size = dtype.byteSize();
    ByteBuffer b = ByteBuffer.allocateDirect(le.length).order(ByteOrder.nativeOrder());
    boolean swap = ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN;
    for (int i = 0; i + size <= le.length; i += size) {
      for (int k = 0; k < size; k++) {
        b.put(i + k, swap ? le[i + size - 1 - k] : le[i + k]);
      }
    }
    return Tensor.copyOf(dtype, b, s);
  }
}
