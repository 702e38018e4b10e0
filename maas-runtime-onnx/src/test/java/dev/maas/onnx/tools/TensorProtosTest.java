package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorProtosTest {

  // ---------------------------------------------------------------- round trips (properties)

  @Property(tries = 2000)
  void everyTensorRoundTripsThroughRawData(@ForAll("tensors") Tensor tensor, @ForAll("names") String name) {
    Statistics.label("dtype").collect(tensor.dtype());
    Statistics.label("rank").collect(tensor.rank());
    NamedTensor back = TensorProtos.read(TensorProtos.write(name, tensor));
    assertEquals(name, back.name());
    assertEquals(tensor, back.tensor());
    assertTrue(back.tensor().dtype() == DType.STRING || back.tensor().buffer().order() == ByteOrder.nativeOrder());
  }

  @Property(tries = 2000)
  void everyTensorReadsFromTheTypedFieldsOnnxUses(@ForAll("tensors") Tensor tensor, @ForAll boolean packed) {
    Statistics.label("dtype").collect(tensor.dtype());
    assertEquals(tensor, TensorProtos.read(typedProto(tensor, packed)).tensor());
  }

  @Provide
  Arbitrary<Tensor> tensors() {
    return Arbitraries.of(DType.values()).flatMap(TensorProtosTest::tensorsOf);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(Arbitraries.just(""), strings());
  }

  static Arbitrary<Tensor> tensorsOf(DType dtype) {
    // rank 0 to 4, dims 0 to 4: scalars, zero-size tensors and up to 256 elements.
    Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 4).array(long[].class).ofMaxSize(4);
    return shapes.flatMap(shape -> {
      int n = (int) Tensor.elementCount(shape);
      if (dtype == DType.STRING) {
        return strings().array(String[].class).ofSize(n).map(values -> Tensor.of(values).reshape(shape));
      }
      return Arbitraries.bytes().array(byte[].class).ofSize(n * dtype.byteSize()).map(bytes -> {
        if (dtype == DType.BOOL) {
          for (int i = 0; i < bytes.length; i++) {
            bytes[i] &= 1;
          }
        }
        return Tensor.copyOf(dtype, ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), shape);
      });
    });
  }

  /** Strings of whole code points (no lone surrogates, which UTF-8 cannot carry). */
  static Arbitrary<String> strings() {
    Arbitrary<Integer> codePoints = Arbitraries.oneOf(
        Arbitraries.integers().between(0x20, 0x7E),
        Arbitraries.integers().between(0, 0x10FFFF).filter(c -> c < 0xD800 || c > 0xDFFF));
    return codePoints.list().ofMaxSize(8).map(cps -> {
      StringBuilder sb = new StringBuilder();
      cps.forEach(sb::appendCodePoint);
      return sb.toString();
    });
  }

  /** Encodes {@code t} the way onnx's Python helpers do without raw_data: in its typed field. */
  static byte[] typedProto(Tensor t, boolean packed) {
    ProtoWriter w = new ProtoWriter();
    w.packedInt64(1, t.shape());
    w.int64(2, OnnxTypes.toOnnx(t.dtype()));
    if (t.dtype() == DType.STRING) {
      for (String s : t.toStringArray()) {
        w.string(6, s);
      }
      return w.toByteArray();
    }
    ByteBuffer b = t.buffer();
    int n = (int) t.elementCount();
    long[] varints = new long[n];
    int field;
    switch (t.dtype()) {
      case FLOAT32: case FLOAT64: { // bit patterns, so that NaN payloads survive
        int width = t.dtype().byteSize();
        int fixedField = width == 4 ? 4 : 10;
        ProtoWriter body = new ProtoWriter();
        for (int i = 0; i < n; i++) {
          long bits = width == 4 ? b.getInt(4 * i) : b.getLong(8 * i);
          if (packed) {
            if (width == 4) {
              body.rawFixed32((int) bits);
            } else {
              body.rawFixed64(bits);
            }
          } else if (width == 4) {
            w.fixed32(fixedField, (int) bits);
          } else {
            w.fixed64(fixedField, bits);
          }
        }
        return packed && n > 0 ? w.message(fixedField, body).toByteArray() : w.toByteArray();
      }
      case INT64: field = 7; varints = t.toLongArray(); break;
      case UINT64: field = 11; varints = t.toLongArray(); break;
      case UINT32: field = 11; for (int i = 0; i < n; i++) varints[i] = b.getInt(4 * i) & 0xFFFFFFFFL; break;
      case INT32: field = 5; for (int i = 0; i < n; i++) varints[i] = b.getInt(4 * i); break;
      case INT16: field = 5; for (int i = 0; i < n; i++) varints[i] = b.getShort(2 * i); break;
      case UINT16: case FLOAT16: case BFLOAT16:
        field = 5; for (int i = 0; i < n; i++) varints[i] = b.getShort(2 * i) & 0xFFFF; break;
      case INT8: field = 5; for (int i = 0; i < n; i++) varints[i] = b.get(i); break;
      case UINT8: case BOOL: field = 5; for (int i = 0; i < n; i++) varints[i] = b.get(i) & 0xFF; break;
      default: throw new AssertionError(t.dtype());
    }
    if (packed) {
      w.packedInt64(field, varints);
    } else {
      for (long v : varints) {
        w.int64(field, v);
      }
    }
    return w.toByteArray();
  }

  // ---------------------------------------------------------------- reading, by example

  @Test
  void rawDataIsLittleEndianOnTheWire() {
    byte[] raw = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0}; // 1.0f, -2.5f
    byte[] proto = new ProtoWriter().int64(1, 2).int64(2, 1).string(8, "x").bytes(9, raw).toByteArray();
    NamedTensor t = TensorProtos.read(proto);
    assertEquals("x", t.name());
    assertArrayEquals(new long[] {2}, t.tensor().shape());
    assertArrayEquals(new float[] {1.0f, -2.5f}, t.tensor().toFloatArray());
  }

  @Test
  void writtenRawDataIsLittleEndian() {
    byte[] proto = TensorProtos.write("", Tensor.of(new int[] {0x01020304}));
    // dims=1 (08 01), data_type=6 (10 06), raw_data (4A 04 ...)
    assertArrayEquals(new byte[] {0x08, 0x01, 0x10, 0x06, 0x4A, 0x04, 0x04, 0x03, 0x02, 0x01}, proto);
  }

  @Test
  void elementsAreReorderedForABigEndianTarget() {
    // The machine is little-endian; check the conversion a big-endian one would take.
    ByteBuffer le = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x0102)
        .putInt(2, 0x03040506).putLong(4, 0x0708090A0B0C0D0EL);
    ByteBuffer be = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN);
    TensorProtos.copyElements(le.duplicate().position(0).limit(2).slice().order(ByteOrder.LITTLE_ENDIAN),
        be.duplicate().position(0).slice().order(ByteOrder.BIG_ENDIAN), 2);
    assertEquals(0x0102, be.getShort(0));
    ByteBuffer be8 = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
    TensorProtos.copyElements(le.duplicate().position(4).slice().order(ByteOrder.LITTLE_ENDIAN), be8, 8);
    assertEquals(0x0708090A0B0C0D0EL, be8.getLong(0));
    assertEquals(0x07, be8.get(0));
  }

  @Test
  void int32DataCarriesSmallTypesAsOnnxSpecifies() {
    assertArrayEquals(new byte[] {-3, 127, -128},
        read(typed(3, 5, -3, 127, -128), 3).toByteArray()); // int8, sign-extended varints
    assertArrayEquals(new byte[] {(byte) 255, 0},
        read(typed(2, 5, 255, 0), 2).toByteArray()); // uint8
    assertArrayEquals(new boolean[] {true, false, true},
        read(typed(9, 5, 1, 0, 7), 3).toBooleanArray()); // bool: any non-zero is true
    assertArrayEquals(new short[] {(short) 0x3C00}, read(typed(10, 5, 0x3C00), 1).toShortArray()); // float16 1.0
    assertEquals(1.0f, read(typed(10, 5, 0x3C00), 1).toFloatArray()[0]);
    assertArrayEquals(new short[] {-2, (short) 0xFFFF}, read(typed(5, 5, -2, -1), 2).toShortArray()); // int16
  }

  @Test
  void uint64DataCarriesUint32AndUint64() {
    assertArrayEquals(new int[] {-1, 7}, read(typed(12, 11, 0xFFFFFFFFL, 7), 2).toIntArray());
    assertArrayEquals(new long[] {-1L, 1L << 63}, read(typed(13, 11, -1L, Long.MIN_VALUE), 2).toLongArray());
    assertEquals(18446744073709551615.0, read(typed(13, 11, -1L), 1).toDoubles()[0]);
  }

  @Test
  void boolRawDataIsNormalizedToZeroOrOne() {
    byte[] proto = new ProtoWriter().int64(1, 3).int64(2, 9).bytes(9, new byte[] {0, 2, (byte) 0xFF}).toByteArray();
    assertArrayEquals(new byte[] {0, 1, 1}, TensorProtos.read(proto).tensor().toByteArray());
  }

  @Test
  void scalarsAndZeroSizeTensorsNeedNoData() {
    Tensor scalar = TensorProtos.read(new ProtoWriter().int64(2, 7).packedInt64(7, new long[] {42}).toByteArray()).tensor();
    assertEquals(0, scalar.rank());
    assertArrayEquals(new long[] {42}, scalar.toLongArray());
    Tensor empty = TensorProtos.read(new ProtoWriter().int64(1, 0).int64(1, 3).int64(2, 1).toByteArray()).tensor();
    assertArrayEquals(new long[] {0, 3}, empty.shape());
    assertEquals(0, empty.byteSize());
    Tensor emptyStrings = TensorProtos.read(new ProtoWriter().int64(1, 0).int64(2, 8).toByteArray()).tensor();
    assertEquals(DType.STRING, emptyStrings.dtype());
    assertEquals(0, emptyStrings.elementCount());
  }

  @Test
  void scalarStringsReadAsRankZero() {
    Tensor empty = TensorProtos.read(new ProtoWriter().int64(2, 8).string(6, "").toByteArray()).tensor();
    assertEquals(0, empty.rank());
    assertArrayEquals(new String[] {""}, empty.toStringArray());
    Tensor a = TensorProtos.read(new ProtoWriter().int64(2, 8).string(6, "a").toByteArray()).tensor();
    assertEquals(0, a.rank());
    assertArrayEquals(new String[] {"a"}, a.toStringArray());
  }

  @Test
  void unknownAndDocumentationFieldsAreIgnored() {
    byte[] proto = new ProtoWriter().string(12, "doc").int64(1, 1).int64(2, 7).int64(99, 5)
        .message(16, new ProtoWriter().string(1, "k").string(2, "v")).packedInt64(7, new long[] {5}).toByteArray();
    assertArrayEquals(new long[] {5}, TensorProtos.read(proto).tensor().toLongArray());
  }

  // ---------------------------------------------------------------- rejections

  @Test
  void externalDataIsRejected() {
    ProtoWriter entry = new ProtoWriter().string(1, "location").string(2, "weights.bin");
    byte[] proto = new ProtoWriter().int64(1, 4).int64(2, 1).string(8, "W").message(13, entry).int64(14, 1).toByteArray();
    assertRejected("TensorProto 'W' keeps its data in an external file", proto);
    assertRejected("unknown data_location 2", new ProtoWriter().int64(2, 1).int64(14, 2).toByteArray());
  }

  @Test
  void inconsistentProtosAreRejectedWithTheReason() {
    assertRejected("has no data_type", new ProtoWriter().int64(1, 1).bytes(9, new byte[4]).toByteArray());
    assertRejected("COMPLEX64", new ProtoWriter().int64(1, 1).int64(2, 14).bytes(9, new byte[8]).toByteArray());
    assertRejected("FLOAT8E4M3FN", new ProtoWriter().int64(2, 17).bytes(9, new byte[1]).toByteArray());
    assertRejected("not an ONNX element type", new ProtoWriter().int64(2, 1L << 40).toByteArray());
    assertRejected("needs 3 values (4 bytes each) but raw_data holds 8 bytes",
        new ProtoWriter().int64(1, 3).int64(2, 1).bytes(9, new byte[8]).toByteArray());
    assertRejected("needs 2 values but holds none", new ProtoWriter().int64(1, 2).int64(2, 1).toByteArray());
    assertRejected("needs 2 values but int64_data holds 1",
        new ProtoWriter().int64(1, 2).int64(2, 7).int64(7, 1).toByteArray());
    assertRejected("has both raw_data and float_data",
        new ProtoWriter().int64(1, 1).int64(2, 1).float32(4, 1f).bytes(9, new byte[4]).toByteArray());
    assertRejected("is a int64 tensor but carries float_data",
        new ProtoWriter().int64(1, 1).int64(2, 7).float32(4, 1f).toByteArray());
    assertRejected("has values in both float_data and int64_data",
        new ProtoWriter().int64(2, 1).float32(4, 1f).int64(7, 1).toByteArray());
    assertRejected("strings belong in string_data",
        new ProtoWriter().int64(1, 1).int64(2, 8).bytes(9, new byte[] {'a'}).toByteArray());
    assertRejected("one segment", new ProtoWriter().int64(2, 1)
        .message(3, new ProtoWriter().int64(1, 0).int64(2, 1)).toByteArray());
    assertRejected("negative dimension", new ProtoWriter().int64(1, -1).int64(2, 1).toByteArray());
    assertRejected("too many elements",
        new ProtoWriter().int64(1, 1L << 40).int64(1, 1L << 40).int64(2, 1).toByteArray());
  }

  @Test
  void hugeDimsWithoutDataFailWithoutAllocating() {
    // 2^60 elements claimed, 4 bytes given: rejected by arithmetic, never by an OutOfMemoryError.
    byte[] proto = new ProtoWriter().int64(1, 1L << 30).int64(1, 1L << 30).int64(2, 11).bytes(9, new byte[4]).toByteArray();
    assertRejected("needs 1152921504606846976 values", proto);
  }

  @Test
  void readingAFileNamesItInErrors(@TempDir Path dir) throws Exception {
    Path good = Files.write(dir.resolve("input_0.pb"), TensorProtos.write("a", Tensor.of(new float[] {1, 2})));
    assertEquals(Tensor.of(new float[] {1, 2}), TensorProtos.read(good).tensor());
    Path bad = Files.write(dir.resolve("input_1.pb"), new byte[] {0x08, (byte) 0x80});
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TensorProtos.read(bad));
    assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    assertThrows(UncheckedIOException.class, () -> TensorProtos.read(dir.resolve("missing.pb")));
  }

  // ---------------------------------------------------------------- fuzzing

  @Property(tries = 3000)
  void randomBytesNeverEscapeAsAnythingButInvalidInput(@ForAll("garbage") byte[] bytes) {
    Fuzz.readOnlyFailsCleanly(bytes);
  }

  @Property(tries = 3000)
  void mutatedProtosNeverEscapeAsAnythingButInvalidInput(@ForAll("mutated") byte[] bytes) {
    Fuzz.readOnlyFailsCleanly(bytes);
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<byte[]> mutated() {
    Arbitrary<byte[]> valid = Arbitraries.oneOf(
        Combinators.combine(tensors(), names()).as((t, n) -> TensorProtos.write(n, t)),
        Combinators.combine(tensors(), Arbitraries.of(true, false)).as(TensorProtosTest::typedProto));
    return Combinators.combine(valid, Arbitraries.longs(), Arbitraries.integers().between(1, 4))
        .as(Fuzz::mutate);
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] typed(int dataType, int field, long... values) {
    ProtoWriter w = new ProtoWriter().int64(1, values.length).int64(2, dataType);
    for (long v : values) {
      w.int64(field, v);
    }
    return w.toByteArray();
  }

  private static Tensor read(byte[] proto, int expectedCount) {
    Tensor t = TensorProtos.read(proto).tensor();
    assertEquals(expectedCount, t.elementCount());
    return t;
  }

  static void assertRejected(String expected, byte[] proto) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TensorProtos.read(proto));
    assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
  }

}
