package dev.maas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Example-based tests of {@link Tensor}; the round trips over random data are in {@link TensorPropertyTest}. */
class TensorTest {
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ByteOrder FOREIGN =
      NATIVE == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;

  // ---------------------------------------------------------------- shapes

  @Test
  void emptyShapeVarargsMeansOneDimensionalOfTheArrayLength() {
    assertArrayEquals(new long[] {3}, Tensor.of(new float[] {1, 2, 3}).shape());
    assertArrayEquals(new long[] {3}, Tensor.of(new float[] {1, 2, 3}, new long[0]).shape());
    assertArrayEquals(new long[] {3}, Tensor.of(new float[] {1, 2, 3}, (long[]) null).shape());
    // One element still makes a 1-D tensor, not a scalar.
    Tensor one = Tensor.of(new long[] {7});
    assertEquals(1, one.rank());
    assertArrayEquals(new long[] {1}, one.shape());
    assertArrayEquals(new long[] {0}, Tensor.of(new int[0]).shape());
    assertArrayEquals(new long[] {2}, Tensor.of(new String[] {"a", "b"}).shape());
    assertArrayEquals(new long[] {2}, Tensor.ofFloat16(new float[] {1, 2}).shape());
  }

  @Test
  void scalarsComeFromBufferFactoriesAndZerosWithAnEmptyShape() {
    ByteBuffer b = ByteBuffer.allocate(4).order(NATIVE).putFloat(0, 2.5f);
    for (Tensor t : new Tensor[] {Tensor.copyOf(DType.FLOAT32, b), Tensor.wrap(DType.FLOAT32, b)}) {
      assertEquals(0, t.rank());
      assertArrayEquals(new long[0], t.shape());
      assertEquals(1, t.elementCount());
      assertArrayEquals(new float[] {2.5f}, t.toFloatArray());
    }
    Tensor z = Tensor.zeros(DType.INT64);
    assertEquals(0, z.rank());
    assertArrayEquals(new long[] {0L}, z.toLongArray());
    assertArrayEquals(new String[] {""}, Tensor.zeros(DType.STRING).toStringArray());
  }

  @Test
  void zeroSizeDimensionsHoldNoElements() {
    Tensor t = Tensor.of(new float[0], 2, 0, 3);
    assertArrayEquals(new long[] {2, 0, 3}, t.shape());
    assertEquals(0, t.elementCount());
    assertEquals(0, t.byteSize());
    assertEquals(0, t.toFloatArray().length);
    assertEquals(Tensor.zeros(DType.FLOAT32, 2, 0, 3), t);
    assertNotEquals(Tensor.of(new float[0], 0, 2, 3), t);
  }

  @Test
  void shapeAndElementCountMustAgree() {
    assertThrows(InvalidInputException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new double[] {1}, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new int[] {1, 2}, 1));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new long[0], 1));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new short[] {1}, 0));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new byte[] {1, 2}, 3));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new boolean[] {true}, 1, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.of(new String[] {"a"}, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.ofUint8(new byte[] {1}, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.ofFloat16Bits(new short[] {1}, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.ofFloat16(new float[] {1}, 2));
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
  }

  @Test
  void negativeAndOverflowingDimensionsAreRejected() {
    assertThrows(InvalidInputException.class, () -> Tensor.of(new float[] {1}, -1, -1));
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(DType.FLOAT32, 2, -1));
    assertThrows(InvalidInputException.class, () -> Tensor.elementCount(Long.MAX_VALUE, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.elementCount(1L << 32, 1L << 32));
    assertEquals(0, Tensor.elementCount(0, Long.MAX_VALUE, 2), "a zero dimension makes the product 0");
    assertEquals(1, Tensor.elementCount(new long[0]), "the empty product");
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(DType.STRING, 1L << 40));
  }

  @Test
  void zerosRejectsTensorsLargerThanTwoGibibytesWhateverTheOverflow() {
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(DType.FLOAT32, Long.MAX_VALUE));
    assertThrows(InvalidInputException.class, () -> Tensor.zeros(DType.FLOAT64, (1L << 61) + 1));
  }

  @Test
  void bufferFactoriesRejectShapesWhoseByteSizeOverflows() {
    ByteBuffer eight = ByteBuffer.allocateDirect(8).order(NATIVE);
    assertThrows(InvalidInputException.class, () -> Tensor.wrap(DType.FLOAT64, eight, (1L << 61) + 1));
    assertThrows(InvalidInputException.class, () -> Tensor.copyOf(DType.FLOAT64, eight, (1L << 61) + 1));
  }

  // ---------------------------------------------------------------- buffer factories

  @Test
  void bufferFactoriesRejectStringsAndWrongSizes() {
    ByteBuffer b = ByteBuffer.allocateDirect(8).order(NATIVE);
    assertThrows(InvalidInputException.class, () -> Tensor.copyOf(DType.STRING, b, 1));
    assertThrows(InvalidInputException.class, () -> Tensor.wrap(DType.STRING, b, 1));
    assertThrows(InvalidInputException.class, () -> Tensor.copyOf(DType.FLOAT32, b, 3));
    assertThrows(InvalidInputException.class, () -> Tensor.wrap(DType.FLOAT32, b, 1));
    assertThrows(InvalidInputException.class, () -> Tensor.wrap(DType.FLOAT64, b, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.wrap(DType.FLOAT32, b, -2));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = "STRING", mode = EnumSource.Mode.EXCLUDE)
  void wrongByteOrderIsRejectedForMultiByteTypesOnly(DType t) {
    ByteBuffer foreign = ByteBuffer.allocateDirect(2 * t.byteSize()).order(FOREIGN);
    if (t.byteSize() > 1) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> Tensor.wrap(t, foreign, 2));
      assertTrue(e.getMessage().contains("byte order"), e.getMessage());
      assertThrows(InvalidInputException.class, () -> Tensor.copyOf(t, foreign, 2));
    } else {
      assertEquals(2, Tensor.wrap(t, foreign, 2).elementCount());
      assertEquals(2, Tensor.copyOf(t, foreign, 2).elementCount());
    }
    assertEquals(2, Tensor.wrap(t, foreign.duplicate().order(NATIVE), 2).elementCount());
  }

  @Test
  void copyOfReadsTheRemainingBytesAndLeavesThePositionAlone() {
    ByteBuffer src = ByteBuffer.allocate(16).order(NATIVE);
    src.putInt(0, 9).putInt(4, 10).putInt(8, 11).putInt(12, 12);
    src.position(4).limit(12);
    Tensor t = Tensor.copyOf(DType.INT32, src, 2);
    assertArrayEquals(new int[] {10, 11}, t.toIntArray());
    assertEquals(4, src.position());
    assertEquals(12, src.limit());
    src.putInt(4, 99);
    assertArrayEquals(new int[] {10, 11}, t.toIntArray(), "copyOf must copy");
  }

  @Test
  void wrapReadsTheRemainingBytesWithoutCopying() {
    ByteBuffer src = ByteBuffer.allocate(16).order(NATIVE);
    src.putInt(0, 9).putInt(4, 10).putInt(8, 11).putInt(12, 12);
    src.position(8);
    Tensor t = Tensor.wrap(DType.INT32, src, 2);
    assertArrayEquals(new int[] {11, 12}, t.toIntArray());
    assertEquals(8, src.position());
    assertEquals(8, t.byteSize());
    assertTrue(t.buffer().isReadOnly());
    assertEquals(0, t.buffer().position());
    assertThrows(ReadOnlyBufferException.class, () -> t.buffer().putInt(0, 1));
  }

  // ---------------------------------------------------------------- immutability

  @Test
  void mutatingTheSourceArrayDoesNotChangeTheTensor() {
    float[] f = {1, 2};
    Tensor tf = Tensor.of(f);
    f[0] = 42;
    assertArrayEquals(new float[] {1, 2}, tf.toFloatArray());

    double[] d = {1, 2};
    Tensor td = Tensor.of(d);
    d[0] = 42;
    assertArrayEquals(new double[] {1, 2}, td.toDoubleArray());

    int[] i = {1, 2};
    Tensor ti = Tensor.of(i);
    i[0] = 42;
    assertArrayEquals(new int[] {1, 2}, ti.toIntArray());

    long[] l = {1, 2};
    Tensor tl = Tensor.of(l);
    l[0] = 42;
    assertArrayEquals(new long[] {1, 2}, tl.toLongArray());

    short[] s = {1, 2};
    Tensor ts = Tensor.of(s);
    Tensor th = Tensor.ofFloat16Bits(s);
    s[0] = 42;
    assertArrayEquals(new short[] {1, 2}, ts.toShortArray());
    assertArrayEquals(new short[] {1, 2}, th.toShortArray());

    byte[] b = {1, 2};
    Tensor tb = Tensor.of(b);
    Tensor tu = Tensor.ofUint8(b);
    b[0] = 42;
    assertArrayEquals(new byte[] {1, 2}, tb.toByteArray());
    assertArrayEquals(new byte[] {1, 2}, tu.toByteArray());

    boolean[] z = {true, false};
    Tensor tz = Tensor.of(z);
    z[0] = false;
    assertArrayEquals(new boolean[] {true, false}, tz.toBooleanArray());

    String[] str = {"a", "b"};
    Tensor tstr = Tensor.of(str);
    str[0] = "changed";
    assertArrayEquals(new String[] {"a", "b"}, tstr.toStringArray());

    long[] shape = {1, 2};
    Tensor shaped = Tensor.of(new float[] {1, 2}, shape);
    shape[0] = 2;
    shape[1] = 1;
    assertArrayEquals(new long[] {1, 2}, shaped.shape());

    long[] bufShape = {2};
    Tensor wrapped = Tensor.wrap(DType.INT8, ByteBuffer.allocate(2), bufShape);
    bufShape[0] = 7;
    assertArrayEquals(new long[] {2}, wrapped.shape());
  }

  @Test
  void accessorsReturnCopies() {
    Tensor t = Tensor.of(new float[] {1, 2}, 2, 1);
    t.shape()[0] = 99;
    t.toFloatArray()[0] = 99;
    assertArrayEquals(new long[] {2, 1}, t.shape());
    assertArrayEquals(new float[] {1, 2}, t.toFloatArray());
    Tensor s = Tensor.of(new String[] {"x"});
    s.toStringArray()[0] = "y";
    assertArrayEquals(new String[] {"x"}, s.toStringArray());
  }

  @Test
  void bufferIsAReadOnlyNativeOrderViewAtPositionZero() {
    Tensor t = Tensor.of(new int[] {1, 2, 3});
    ByteBuffer b = t.buffer();
    assertTrue(b.isReadOnly());
    assertTrue(b.isDirect());
    assertEquals(NATIVE, b.order());
    assertEquals(0, b.position());
    assertEquals(12, b.remaining());
    assertThrows(ReadOnlyBufferException.class, () -> b.putInt(0, 42));
    assertThrows(ReadOnlyBufferException.class, () -> b.put((byte) 1));
    // Consuming or re-ordering one view does not disturb the next.
    b.getInt();
    b.order(FOREIGN);
    b.limit(4);
    ByteBuffer again = t.buffer();
    assertEquals(0, again.position());
    assertEquals(12, again.limit());
    assertEquals(NATIVE, again.order());
    assertArrayEquals(new int[] {1, 2, 3}, t.toIntArray());
  }

  @Test
  void stringTensorsHaveNoBuffer() {
    Tensor t = Tensor.of(new String[] {"é", "ab"});
    assertThrows(IllegalStateException.class, t::buffer);
    assertThrows(IllegalStateException.class, t::toDoubles);
    assertEquals("é".getBytes(StandardCharsets.UTF_8).length + 2, t.byteSize());
    assertThrows(InvalidInputException.class, () -> Tensor.of(new String[] {"a", null}));
  }

  @Test
  void typedAccessorsRejectOtherDtypes() {
    Tensor i = Tensor.of(new int[] {1});
    assertThrows(IllegalStateException.class, i::toFloatArray);
    assertThrows(IllegalStateException.class, i::toDoubleArray);
    assertThrows(IllegalStateException.class, i::toLongArray);
    assertThrows(IllegalStateException.class, i::toShortArray);
    assertThrows(IllegalStateException.class, i::toByteArray);
    assertThrows(IllegalStateException.class, i::toBooleanArray);
    assertThrows(IllegalStateException.class, i::toStringArray);
    assertThrows(IllegalStateException.class, () -> Tensor.of(new String[] {"a"}).toIntArray());
    assertThrows(IllegalStateException.class, () -> Tensor.of(new byte[] {1}).toBooleanArray());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}).toFloatArray());
    assertTrue(e.getMessage().contains("float64"), e.getMessage());
  }

  // ---------------------------------------------------------------- toDoubles

  @Test
  void toDoublesReadsUnsignedTypesAsUnsigned() {
    assertArrayEquals(new double[] {255.0, 128.0, 0.0}, Tensor.ofUint8(new byte[] {-1, -128, 0}).toDoubles());
    assertArrayEquals(new double[] {-1.0, -128.0}, Tensor.of(new byte[] {-1, -128}).toDoubles());
    assertArrayEquals(new double[] {65535.0}, single(DType.UINT16, b -> b.putShort(0, (short) 0xFFFF)).toDoubles());
    assertArrayEquals(new double[] {-1.0}, Tensor.of(new short[] {-1}).toDoubles());
    assertArrayEquals(new double[] {4294967295.0}, single(DType.UINT32, b -> b.putInt(0, 0xFFFFFFFF)).toDoubles());
    assertArrayEquals(new double[] {-1.0}, Tensor.of(new int[] {-1}).toDoubles());
    assertArrayEquals(new double[] {1.8446744073709552E19}, single(DType.UINT64, b -> b.putLong(0, -1L)).toDoubles());
    assertArrayEquals(new double[] {9.223372036854775808E18}, single(DType.UINT64, b -> b.putLong(0, Long.MIN_VALUE)).toDoubles());
    assertArrayEquals(new double[] {-1.0}, Tensor.of(new long[] {-1}).toDoubles());
    assertArrayEquals(new double[] {1.0, 0.0}, Tensor.of(new boolean[] {true, false}).toDoubles());
    assertArrayEquals(new double[] {1.0, -2.0}, Tensor.ofFloat16(new float[] {1, -2}).toDoubles());
    assertArrayEquals(new double[] {1.5, -2.0}, Tensor.wrap(DType.BFLOAT16,
        ByteBuffer.allocate(4).order(NATIVE).putShort(0, (short) 0x3FC0).putShort(2, (short) 0xC000), 2).toDoubles());
  }

  @Test
  void toDoublesRoundsUint64Once() {
    long v = 0x8000_0000_0000_0401L;
    double exact = new BigInteger(Long.toUnsignedString(v)).doubleValue();
    assertEquals(exact, single(DType.UINT64, b -> b.putLong(0, v)).toDoubles()[0]);
  }

  @Test
  void toDoublesReadsANonZeroBoolByteAsOne() {
    Tensor t = Tensor.wrap(DType.BOOL, ByteBuffer.wrap(new byte[] {2, 0}), 2);
    assertArrayEquals(new boolean[] {true, false}, t.toBooleanArray());
    assertArrayEquals(new double[] {1.0, 0.0}, t.toDoubles());
  }

  @Test
  void bfloat16ReadsAsTheUpperHalfOfAFloat() {
    Tensor t = Tensor.wrap(DType.BFLOAT16,
        ByteBuffer.allocate(6).order(NATIVE).putShort(0, (short) 0x3FC0).putShort(2, (short) 0xC000).putShort(4, (short) 0xFF80), 3);
    assertArrayEquals(new float[] {1.5f, -2f, Float.NEGATIVE_INFINITY}, t.toFloatArray());
    assertArrayEquals(new short[] {0x3FC0, (short) 0xC000, (short) 0xFF80}, t.toShortArray());
  }

  // ---------------------------------------------------------------- float16

  @Test
  void everyHalfBitPatternRoundTripsThroughFloat() {
    short[] all = new short[65536];
    for (int i = 0; i < all.length; i++) {
      all[i] = (short) i;
    }
    float[] floats = Tensor.ofFloat16Bits(all).toFloatArray();
    short[] back = Tensor.ofFloat16(floats).toShortArray();
    for (int i = 0; i < all.length; i++) {
      String hex = Integer.toHexString(i);
      boolean nan = (i & 0x7C00) == 0x7C00 && (i & 0x3FF) != 0;
      if (nan) {
        assertTrue(Float.isNaN(floats[i]), () -> "half NaN not NaN as float: " + hex);
        int b = back[i] & 0xFFFF;
        assertTrue((b & 0x7C00) == 0x7C00 && (b & 0x3FF) != 0, () -> "NaN did not stay NaN: " + Integer.toHexString(b));
        assertEquals(i & 0x8000, b & 0x8000, "NaN sign");
      } else {
        float f = floats[i];
        assertEquals(all[i], back[i], () -> "half " + hex + " -> " + f);
      }
    }
  }

  @Test
  void halfBitsDecodeToTheIeeeValues() {
    short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0400, 0x0001, 0x03FF, 0x3555, 0x7C00, (short) 0xFC00, 0, (short) 0x8000};
    float[] expected = {1f, -2f, 65504f, 0x1p-14f, 0x1p-24f, 1023 * 0x1p-24f, 0.333251953125f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
    assertArrayEquals(expected, Tensor.ofFloat16Bits(bits).toFloatArray());
  }

  @Test
  void floatToHalfRoundsToNearestEven() {
    assertHalf(0x7C00, 65520f, "halfway above the largest half rounds to infinity");
    assertHalf(0x7BFF, Math.nextDown(65520f), "just below the halfway point stays finite");
    assertHalf(0x7BFF, 65504f, "largest finite half");
    assertHalf(0x3C01, 1.0009766f, "1 + 2^-10 is exact");
    assertHalf(0x3C00, 1.00048828125f, "1 + 2^-11 ties to even (down)");
    assertHalf(0x3C02, 1.00146484375f, "1 + 3 * 2^-11 ties to even (up)");
    assertHalf(0x3C01, Math.nextUp(1.00048828125f), "just above a tie rounds up");
    assertHalf(0x0001, 0x1p-24f, "smallest subnormal");
    assertHalf(0x0000, 0x1p-25f, "half the smallest subnormal ties to zero");
    assertHalf(0x0001, Math.nextUp(0x1p-25f), "just above ties rounds up to the smallest subnormal");
    assertHalf(0x0002, 3 * 0x1p-25f, "1.5 subnormal units tie to 2");
    assertHalf(0x0400, 0x1p-14f, "smallest normal");
    assertHalf(0x0400, 0x1p-14f - 0x1p-26f, "rounding the largest subnormal range up carries into the exponent");
    assertHalf(0x8000, -0f, "negative zero keeps its sign");
    assertHalf(0x8000, -1e-10f, "tiny negatives flush to negative zero");
    assertHalf(0x0000, Float.MIN_VALUE, "float subnormals flush to zero");
    assertHalf(0x7C00, Float.MAX_VALUE, "overflow");
    assertHalf(0xFC00, Float.NEGATIVE_INFINITY, "negative infinity");
    short nan = Tensor.ofFloat16(new float[] {Float.NaN}).toShortArray()[0];
    assertTrue((nan & 0x7C00) == 0x7C00 && (nan & 0x3FF) != 0, "NaN stays NaN");
  }

  private static void assertHalf(int expectedBits, float f, String why) {
    short got = Tensor.ofFloat16(new float[] {f}).toShortArray()[0];
    assertEquals((short) expectedBits, got, () -> why + ": " + f + " -> 0x" + Integer.toHexString(got & 0xFFFF));
  }

  // ---------------------------------------------------------------- equality

  @Test
  void equalityIsByDtypeShapeAndBits() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    ByteBuffer bytes = ByteBuffer.allocate(16).order(NATIVE);
    bytes.asFloatBuffer().put(new float[] {1, 2, 3, 4});
    Tensor copy = Tensor.copyOf(DType.FLOAT32, bytes, 2, 2);
    Tensor heapWrap = Tensor.wrap(DType.FLOAT32, bytes, 2, 2);
    assertEquals(a, copy);
    assertEquals(a, heapWrap);
    assertEquals(a.hashCode(), copy.hashCode());
    assertEquals(a.hashCode(), heapWrap.hashCode());
    assertEquals(a, a);
    assertNotEquals(a, null);
    assertNotEquals(a, "tensor");
    assertNotEquals(a, Tensor.of(new float[] {1, 2, 3, 4}, 4));
    assertNotEquals(a, Tensor.of(new float[] {1, 2, 3, 4}, 4, 1));
    assertNotEquals(a, Tensor.of(new float[] {1, 2, 3, 5}, 2, 2));
    assertNotEquals(a, Tensor.copyOf(DType.INT32, bytes, 2, 2), "same bytes, other dtype");
    assertNotEquals(Tensor.of(new float[] {0f}), Tensor.of(new float[] {-0f}), "bit for bit");
    assertEquals(Tensor.of(new float[] {Float.NaN}), Tensor.of(new float[] {Float.NaN}));
    assertNotEquals(Tensor.of(new byte[] {1}), Tensor.ofUint8(new byte[] {1}));
    assertNotEquals(Tensor.of(new byte[] {1}), Tensor.of(new boolean[] {true}));
    assertEquals(Tensor.of(new String[] {"a", "b"}, 2, 1), Tensor.of(new String[] {"a", "b"}, 2, 1));
    assertNotEquals(Tensor.of(new String[] {"a", "b"}), Tensor.of(new String[] {"a", "c"}));
    assertNotEquals(Tensor.zeros(DType.STRING, 1), Tensor.zeros(DType.UINT8, 1));
  }

  @Test
  void toStringShowsDtypeShapeAndAPrefix() {
    assertEquals("Tensor(float32[2] [1.0, 2.0])", Tensor.of(new float[] {1, 2}).toString());
    String many = Tensor.of(new int[10]).toString();
    assertTrue(many.startsWith("Tensor(int32[10] [0.0, 0.0"), many);
    assertTrue(many.endsWith(", ...])"), many);
    assertEquals("Tensor(string[1] [\"x\"])", Tensor.of(new String[] {"x"}).toString());
    assertEquals("Tensor(float32[0] [])", Tensor.of(new float[0]).toString());
  }

  private interface Filler {
    void fill(ByteBuffer b);
  }

  private static Tensor single(DType t, Filler f) {
    ByteBuffer b = ByteBuffer.allocateDirect(t.byteSize()).order(NATIVE);
    f.fill(b);
    return Tensor.copyOf(t, b, 1);
  }
}
