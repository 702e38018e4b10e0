package dev.maas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable n-dimensional array: a {@link DType}, a shape and the elements in row-major order.
 *
 * <p>Fixed-size elements live in a direct {@link ByteBuffer} in {@link ByteOrder#nativeOrder()
 * native byte order}, which runtimes can hand to native code without copying; {@link #buffer()}
 * returns a read-only view of it. {@link DType#STRING} tensors hold Java strings. A tensor owns no
 * native resource and needs no closing.
 *
 * <p>Factories named {@code of} copy the given array; {@link #copyOf(DType, ByteBuffer, long...)}
 * copies a buffer; {@link #wrap(DType, ByteBuffer, long...)} takes a buffer without copying, and the
 * caller promises not to change it afterwards. Instances are thread-safe.
 */
public final class Tensor {
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data; // null for STRING; read-only, native order, position 0
  private final String[] strings; // null unless STRING

  private Tensor(DType dtype, long[] shape, ByteBuffer data, String[] strings) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.strings = strings;
  }

  // ---------------------------------------------------------------- factories from arrays

  /** A float32 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(float[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, DType.FLOAT32);
    b.asFloatBuffer().put(values);
    return new Tensor(DType.FLOAT32, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /** A float64 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(double[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, DType.FLOAT64);
    b.asDoubleBuffer().put(values);
    return new Tensor(DType.FLOAT64, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /** An int32 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(int[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, DType.INT32);
    b.asIntBuffer().put(values);
    return new Tensor(DType.INT32, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /** An int64 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(long[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, DType.INT64);
    b.asLongBuffer().put(values);
    return new Tensor(DType.INT64, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /** An int16 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(short[] values, long... shape) {
    return ofShorts(DType.INT16, values, shape);
  }

  /** An int8 tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(byte[] values, long... shape) {
    return ofBytes(DType.INT8, values, shape);
  }

  /** A bool tensor; the shape defaults to {@code [values.length]}. */
  public static Tensor of(boolean[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, DType.BOOL);
    for (boolean v : values) {
      b.put(v ? (byte) 1 : (byte) 0);
    }
    b.flip();
    return new Tensor(DType.BOOL, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /** A string tensor; the shape defaults to {@code [values.length]}. No element may be null. */
  public static Tensor of(String[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    String[] copy = values.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] == null) {
        throw new InvalidInputException("string tensor element " + i + " is null");
      }
    }
    return new Tensor(DType.STRING, s, null, copy);
  }

  /** A uint8 tensor from bytes read as unsigned; the shape defaults to {@code [values.length]}. */
  public static Tensor ofUint8(byte[] values, long... shape) {
    return ofBytes(DType.UINT8, values, shape);
  }

  /**
   * A float16 tensor from raw IEEE 754 half-precision bits; the shape defaults to
   * {@code [bits.length]}. See {@link #ofFloat16(float[], long...)} to convert from floats.
   */
  public static Tensor ofFloat16Bits(short[] bits, long... shape) {
    return ofShorts(DType.FLOAT16, bits, shape);
  }

  /** A float16 tensor converted (round to nearest even) from floats. */
  public static Tensor ofFloat16(float[] values, long... shape) {
    short[] bits = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Half.fromFloat(values[i]);
    }
    return ofShorts(DType.FLOAT16, bits, shape);
  }

  /**
   * A tensor of any fixed-size dtype copied from {@code data}'s remaining bytes, which must be in
   * native byte order and hold exactly {@code product(shape) * dtype.byteSize()} bytes. The
   * buffer's position is not changed.
   *
   * @throws InvalidInputException if the dtype is STRING or the sizes do not agree
   */
  public static Tensor copyOf(DType dtype, ByteBuffer data, long... shape) {
    checkBuffer(dtype, data, shape);
    ByteBuffer b = ByteBuffer.allocateDirect(data.remaining()).order(ORDER);
    b.put(data.duplicate());
    b.flip();
    return new Tensor(dtype, shape.clone(), b.asReadOnlyBuffer().order(ORDER), null);
  }

  /**
   * A tensor over {@code data}'s remaining bytes without copying them. The caller must not change
   * the buffer's contents afterwards. A direct buffer in native order is passed to native code as
   * is; any other buffer is copied by the runtime when it is used.
   *
   * @throws InvalidInputException if the dtype is STRING or the sizes do not agree
   */
  public static Tensor wrap(DType dtype, ByteBuffer data, long... shape) {
    checkBuffer(dtype, data, shape);
    ByteBuffer view = data.slice().asReadOnlyBuffer().order(ORDER);
    return new Tensor(dtype, shape.clone(), view, null);
  }

  /** A tensor of {@code dtype} and {@code shape} with every element zero (or "" for STRING). */
  public static Tensor zeros(DType dtype, long... shape) {
    long n = elementCount(shape);
    if (dtype == DType.STRING) {
      String[] s = new String[checkedInt(n)];
      Arrays.fill(s, "");
      return new Tensor(dtype, shape.clone(), null, s);
    }
    ByteBuffer b = allocate(n, dtype);
    return new Tensor(dtype, shape.clone(), b.asReadOnlyBuffer().order(ORDER), null);
  }

  private static Tensor ofShorts(DType dtype, short[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, dtype);
    b.asShortBuffer().put(values);
    return new Tensor(dtype, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  private static Tensor ofBytes(DType dtype, byte[] values, long... shape) {
    long[] s = shapeFor(values.length, shape);
    ByteBuffer b = allocate(values.length, dtype);
    b.put(values).flip();
    return new Tensor(dtype, s, b.asReadOnlyBuffer().order(ORDER), null);
  }

  /**
   * This tensor's elements under another shape with the same element count, sharing the data (no
   * copy). {@code reshape()} with no dimensions makes a scalar of a one-element tensor.
   *
   * @throws InvalidInputException if the element counts differ
   */
  public Tensor reshape(long... newShape) {
    long n = elementCount(newShape);
    if (n != elementCount()) {
      throw new InvalidInputException("cannot reshape " + dtype + Arrays.toString(shape) + " to "
          + Arrays.toString(newShape) + ": " + elementCount() + " elements, not " + n);
    }
    return new Tensor(dtype, newShape.clone(), data, strings);
  }

  // ---------------------------------------------------------------- accessors

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape; {@code []} for a scalar. */
  public long[] shape() {
    return shape.clone();
  }

  /** The size of dimension {@code axis}. */
  public long dim(int axis) {
    return shape[axis];
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The number of elements: the product of the shape (1 for a scalar). */
  public long elementCount() {
    return elementCount(shape);
  }

  /** The size of the element data in bytes (for STRING, the UTF-8 length of all elements). */
  public long byteSize() {
    if (strings != null) {
      long n = 0;
      for (String s : strings) {
        n += s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      }
      return n;
    }
    return data.capacity();
  }

  /**
   * A read-only view of the element bytes in native order, positioned at 0. Direct for tensors
   * made by this class's copying factories.
   *
   * @throws IllegalStateException for STRING tensors
   */
  public ByteBuffer buffer() {
    requireFixed();
    return data.duplicate().order(ORDER);
  }

  /** The elements as float32, converting from float16 and bfloat16; other dtypes are rejected. */
  public float[] toFloatArray() {
    if (dtype == DType.FLOAT32) {
      float[] out = new float[checkedInt(elementCount())];
      data.asFloatBuffer().get(0, out); // data is never moved: no duplicate needed to read it
      return out;
    }
    if (dtype == DType.FLOAT16 || dtype == DType.BFLOAT16) {
      short[] bits = shortsOf();
      float[] out = new float[bits.length];
      for (int i = 0; i < bits.length; i++) {
        out[i] = dtype == DType.FLOAT16 ? Half.toFloat(bits[i]) : Float.intBitsToFloat(bits[i] << 16);
      }
      return out;
    }
    throw wrongType("float[]", DType.FLOAT32, DType.FLOAT16, DType.BFLOAT16);
  }

  /** The elements of a float64 tensor. */
  public double[] toDoubleArray() {
    requireType("double[]", DType.FLOAT64);
    double[] out = new double[checkedInt(elementCount())];
    buffer().asDoubleBuffer().get(out);
    return out;
  }

  /** The elements of an int32 or uint32 tensor (uint32 as its bit pattern). */
  public int[] toIntArray() {
    requireType("int[]", DType.INT32, DType.UINT32);
    int[] out = new int[checkedInt(elementCount())];
    buffer().asIntBuffer().get(out);
    return out;
  }

  /** The elements of an int64 or uint64 tensor (uint64 as its bit pattern). */
  public long[] toLongArray() {
    requireType("long[]", DType.INT64, DType.UINT64);
    long[] out = new long[checkedInt(elementCount())];
    buffer().asLongBuffer().get(out);
    return out;
  }

  /** The elements of a 16-bit tensor: int16, uint16, or the raw bits of float16/bfloat16. */
  public short[] toShortArray() {
    requireType("short[]", DType.INT16, DType.UINT16, DType.FLOAT16, DType.BFLOAT16);
    return shortsOf();
  }

  /** The elements of an 8-bit tensor (int8, uint8 as its bit pattern, or bool as 0/1). */
  public byte[] toByteArray() {
    requireType("byte[]", DType.INT8, DType.UINT8, DType.BOOL);
    byte[] out = new byte[checkedInt(elementCount())];
    buffer().get(out);
    return out;
  }

  /** The elements of a bool tensor. */
  public boolean[] toBooleanArray() {
    requireType("boolean[]", DType.BOOL);
    ByteBuffer b = buffer();
    boolean[] out = new boolean[b.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i) != 0;
    }
    return out;
  }

  /** The elements of a string tensor. */
  public String[] toStringArray() {
    requireType("String[]", DType.STRING);
    return strings.clone();
  }

  /**
   * The elements widened to double, whatever the numeric dtype (unsigned types read as unsigned,
   * bool as 0/1). Handy for comparisons and printing; not for the hot path.
   *
   * @throws IllegalStateException for STRING tensors
   */
  public double[] toDoubles() {
    requireFixed();
    int n = checkedInt(elementCount());
    double[] out = new double[n];
    ByteBuffer b = buffer();
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32: out[i] = b.getFloat(i * 4); break;
        case FLOAT64: out[i] = b.getDouble(i * 8); break;
        case FLOAT16: out[i] = Half.toFloat(b.getShort(i * 2)); break;
        case BFLOAT16: out[i] = Float.intBitsToFloat(b.getShort(i * 2) << 16); break;
        case INT8: out[i] = b.get(i); break;
        case UINT8: out[i] = b.get(i) & 0xFF; break;
        case BOOL: out[i] = b.get(i) != 0 ? 1 : 0; break;
        case INT16: out[i] = b.getShort(i * 2); break;
        case UINT16: out[i] = b.getShort(i * 2) & 0xFFFF; break;
        case INT32: out[i] = b.getInt(i * 4); break;
        case UINT32: out[i] = b.getInt(i * 4) & 0xFFFFFFFFL; break;
        case INT64: out[i] = b.getLong(i * 8); break;
        case UINT64: {
          long v = b.getLong(i * 8);
          out[i] = v >= 0 ? v : (double) ((v >>> 1) | (v & 1)) * 2.0; // sticky bit: round once
          break;
        }
        default: throw new IllegalStateException(dtype.toString());
      }
    }
    return out;
  }

  private short[] shortsOf() {
    short[] out = new short[checkedInt(elementCount())];
    buffer().asShortBuffer().get(out);
    return out;
  }

  // ---------------------------------------------------------------- value semantics

  /** Equal when dtype, shape and every element (bit for bit) are equal. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor t = (Tensor) o;
    if (dtype != t.dtype || !Arrays.equals(shape, t.shape)) {
      return false;
    }
    return strings != null ? Arrays.equals(strings, t.strings) : buffer().equals(t.buffer());
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(dtype, Arrays.hashCode(shape));
    return 31 * h + (strings != null ? Arrays.hashCode(strings) : buffer().hashCode());
  }

  /** A short description: dtype, shape and the first few elements. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(Arrays.toString(shape)).append(' ');
    int n = (int) Math.min(elementCount(), 8);
    sb.append('[');
    if (strings != null) {
      for (int i = 0; i < n; i++) {
        sb.append(i > 0 ? ", " : "").append('"').append(strings[i]).append('"');
      }
    } else {
      double[] d = Arrays.copyOf(toDoublesPrefix(n), n);
      for (int i = 0; i < n; i++) {
        sb.append(i > 0 ? ", " : "").append(d[i]);
      }
    }
    if (elementCount() > n) {
      sb.append(", ...");
    }
    return sb.append("])").toString();
  }

  private double[] toDoublesPrefix(int n) {
    return n == 0 ? new double[0] : toDoubles();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The product of {@code shape}.
   *
   * @throws InvalidInputException if a dimension is negative or the product overflows a long
   */
  public static long elementCount(long... shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new InvalidInputException("negative dimension " + d + " in shape " + Arrays.toString(shape));
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new InvalidInputException("shape " + Arrays.toString(shape) + " has too many elements");
      }
    }
    return n;
  }

  private static long[] shapeFor(int length, long[] shape) {
    if (shape == null || shape.length == 0) {
      return new long[] {length};
    }
    long n = elementCount(shape);
    if (n != length) {
      throw new InvalidInputException(
          "shape " + Arrays.toString(shape) + " needs " + n + " elements but " + length + " were given");
    }
    return shape.clone();
  }

  private static void checkBuffer(DType dtype, ByteBuffer data, long[] shape) {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(shape, "shape");
    if (!dtype.isFixedSize()) {
      throw new InvalidInputException("string tensors cannot be made from a ByteBuffer; use Tensor.of(String[])");
    }
    long need;
    try {
      need = Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new InvalidInputException("shape " + Arrays.toString(shape) + " of " + dtype + " has too many bytes");
    }
    if (need != data.remaining()) {
      throw new InvalidInputException(
          dtype + Arrays.toString(shape) + " needs " + need + " bytes but the buffer holds " + data.remaining());
    }
    if (data.order() != ORDER && dtype.byteSize() > 1) {
      throw new InvalidInputException("buffer must be in native byte order (" + ORDER + ")");
    }
  }

  private static ByteBuffer allocate(long elements, DType dtype) {
    if (elements > (Integer.MAX_VALUE - 8) / Math.max(1, dtype.byteSize())) {
      throw new InvalidInputException("tensor of " + elements + " " + dtype + " elements is larger than 2 GiB");
    }
    long bytes = elements * dtype.byteSize();
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("tensor of " + bytes + " bytes is larger than 2 GiB");
    }
    return ByteBuffer.allocateDirect((int) bytes).order(ORDER);
  }

  private static int checkedInt(long n) {
    if (n > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("tensor of " + n + " elements does not fit a Java array");
    }
    return (int) n;
  }

  private void requireFixed() {
    if (strings != null) {
      throw new IllegalStateException("string tensors have no byte buffer; use toStringArray()");
    }
  }

  private void requireType(String what, DType... allowed) {
    for (DType t : allowed) {
      if (t == dtype) {
        return;
      }
    }
    throw wrongType(what, allowed);
  }

  private IllegalStateException wrongType(String what, DType... allowed) {
    return new IllegalStateException(
        "cannot read a " + dtype + " tensor as " + what + " (needs " + Arrays.toString(allowed) + ")");
  }

  /** IEEE 754 half-precision conversions (Float.float16ToFloat arrived only in Java 20). */
  static final class Half {
    private Half() {}

    static float toFloat(short h) {
      int bits = h & 0xFFFF;
      int sign = (bits & 0x8000) << 16;
      int exp = (bits >>> 10) & 0x1F;
      int mant = bits & 0x3FF;
      if (exp == 0x1F) {
        return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
      }
      if (exp == 0) {
        if (mant == 0) {
          return Float.intBitsToFloat(sign);
        }
        // subnormal: value = mant * 2^-24
        float v = mant * 0x1p-24f;
        return sign != 0 ? -v : v;
      }
      return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static short fromFloat(float f) {
      int bits = Float.floatToRawIntBits(f);
      int sign = (bits >>> 16) & 0x8000;
      int exp = (bits >>> 23) & 0xFF;
      int mant = bits & 0x7FFFFF;
      if (exp == 0xFF) {
        return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
      }
      int e = exp - 127 + 15;
      if (e >= 0x1F) {
        return (short) (sign | 0x7C00);
      }
      if (e <= 0) {
        if (e < -10) {
          return (short) sign;
        }
        mant |= 0x800000;
        int shift = 14 - e;
        int half = mant >>> shift;
        int rem = mant & ((1 << shift) - 1);
        int mid = 1 << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1) != 0)) {
          half++;
        }
        return (short) (sign | half);
      }
      int half = (e << 10) | (mant >>> 13);
      int rem = mant & 0x1FFF;
      if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
  }
}
