package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InvalidInputException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ProtoWireTest {

  @Test
  void varintsUseTheShortestEncoding() {
    assertArrayEquals(bytes(0x08, 0x00), new ProtoWriter().int64(1, 0).toByteArray());
    assertArrayEquals(bytes(0x08, 0x7F), new ProtoWriter().int64(1, 127).toByteArray());
    assertArrayEquals(bytes(0x08, 0x80, 0x01), new ProtoWriter().int64(1, 128).toByteArray());
    assertArrayEquals(bytes(0x08, 0xAC, 0x02), new ProtoWriter().int64(1, 300).toByteArray());
    // negative numbers take ten bytes, as protobuf encodes int32 and int64
    byte[] minusOne = new ProtoWriter().int64(1, -1).toByteArray();
    assertEquals(11, minusOne.length);
    assertEquals(0x01, minusOne[10]);
  }

  @Test
  void keysCombineFieldNumberAndWireType() {
    assertArrayEquals(bytes(0x12, 0x01, 'a'), new ProtoWriter().string(2, "a").toByteArray());
    assertArrayEquals(bytes(0xA0, 0x01, 0x04), new ProtoWriter().int64(20, 4).toByteArray());
    assertArrayEquals(bytes(0x15, 0x00, 0x00, 0x80, 0x3F), new ProtoWriter().float32(2, 1.0f).toByteArray());
  }

  @Property(tries = 500)
  void everyValueReadsBackAsWritten(
      @ForAll long v, @ForAll int i, @ForAll double d, @ForAll String s, @ForAll @IntRange(min = 1, max = (1 << 29) - 1) int field) {
    byte[] bytes = new ProtoWriter().int64(field, v).fixed32(2, i).float64(3, d).fixed64(4, v)
        .bytes(5, s.getBytes(java.nio.charset.StandardCharsets.UTF_16BE))
        .packedInt64(6, new long[] {v, i, 0}).toByteArray();
    ProtoReader r = new ProtoReader(bytes, "Test");
    assertEquals(field, r.readTag());
    assertEquals(ProtoReader.VARINT, r.wireType());
    assertEquals(v, r.readInt64());
    assertEquals(2, r.readTag());
    assertEquals(i, r.readFixed32());
    assertEquals(3, r.readTag());
    assertEquals(Double.doubleToRawLongBits(d), r.readFixed64());
    assertEquals(4, r.readTag());
    assertEquals(v, r.readFixed64());
    assertEquals(5, r.readTag());
    assertArrayEquals(s.getBytes(java.nio.charset.StandardCharsets.UTF_16BE), r.readBytes());
    assertEquals(6, r.readTag());
    ProtoReader.LongList list = new ProtoReader.LongList();
    r.readRepeatedVarint(list);
    assertArrayEquals(new long[] {v, i, 0}, list.toArray());
    assertFalse(r.hasRemaining());
  }

  @Test
  void repeatedFieldsAcceptPackedAndUnpackedMixed() {
    byte[] bytes = new ProtoWriter().int64(1, 5).packedInt64(1, new long[] {6, 7}).int64(1, 8)
        .float32(2, 1.5f).packedFloat32(2, new float[] {2.5f}).toByteArray();
    ProtoReader r = new ProtoReader(bytes, "Test");
    ProtoReader.LongList ints = new ProtoReader.LongList();
    ProtoReader.IntList floats = new ProtoReader.IntList();
    while (r.hasRemaining()) {
      if (r.readTag() == 1) {
        r.readRepeatedVarint(ints);
      } else {
        r.readRepeatedFixed32(floats);
      }
    }
    assertArrayEquals(new long[] {5, 6, 7, 8}, ints.toArray());
    assertEquals(2, floats.size());
    assertEquals(2.5f, Float.intBitsToFloat(floats.get(1)));
  }

  @Test
  void unknownFieldsOfEveryWireTypeAreSkipped() {
    byte[] bytes = new ProtoWriter().int64(9, -5).fixed32(10, 1).fixed64(11, 2).string(12, "skip")
        .int64(1, 42).toByteArray();
    ProtoReader r = new ProtoReader(bytes, "Test");
    long found = -1;
    while (r.hasRemaining()) {
      if (r.readTag() == 1) {
        found = r.readInt64();
      } else {
        r.skipField();
      }
    }
    assertEquals(42, found);
  }

  @Test
  void malformedInputIsRejectedWithAClearMessage() {
    assertMalformed("varint runs past the end", bytes(0x08, 0x80));
    assertMalformed("longer than ten bytes", bytes(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
    assertMalformed("field number 0", bytes(0x00, 0x01));
    assertMalformed("group wire type", bytes(0x0B));
    assertMalformed("unknown wire type 6", bytes(0x0E));
    assertMalformed("exceeds the 1 bytes left", bytes(0x0A, 0x05, 'a'));
    // a length of 2^63 - 1: rejected before anything is allocated
    assertMalformed("exceeds", bytes(0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F));
    assertMalformed("fixed32 value of field 1 runs past the end", bytes(0x0D, 0x01, 0x02));
    assertMalformed("fixed64 value of field 1 runs past the end", bytes(0x09, 0x01));
    assertMalformed("out of range", bytes(0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
  }

  @Test
  void stringsMustBeValidUtf8() {
    byte[] bytes = bytes(0x0A, 0x02, 0xC3, 0x28);
    ProtoReader r = new ProtoReader(bytes, "Test");
    r.readTag();
    InvalidInputException e = assertThrows(InvalidInputException.class, r::readString);
    assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
  }

  @Test
  void packedFixedWidthFieldsMustHoldWholeValues() {
    ProtoReader r = new ProtoReader(bytes(0x0A, 0x03, 1, 2, 3), "Test");
    r.readTag();
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> r.readRepeatedFixed32(new ProtoReader.IntList()));
    assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
  }

  @Test
  void nestedMessageErrorsNameThePath() {
    byte[] inner = bytes(0x08, 0x80);
    byte[] bytes = new ProtoWriter().bytes(3, inner).toByteArray();
    ProtoReader r = new ProtoReader(bytes, "Outer");
    r.readTag();
    ProtoReader child = r.readMessage("inner");
    assertFalse(r.hasRemaining());
    child.readTag();
    InvalidInputException e = assertThrows(InvalidInputException.class, child::readVarint);
    assertEquals("malformed Outer.inner at byte 1: varint runs past the end", e.getMessage());
  }

  private static void assertMalformed(String expected, byte[] bytes) {
    ProtoReader r = new ProtoReader(bytes, "Test");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> {
      while (r.hasRemaining()) {
        r.readTag();
        r.skipField();
      }
    });
    assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
