package dev.maas.onnx.tools;

import dev.maas.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one protobuf message in the wire format, field by field, into a growing byte array.
 *
 * <p>Only what ONNX needs: varint, fixed32, fixed64 and length-delimited fields, packed repeated
 * varints and floats. Fields are written in the order the methods are called; the caller chooses
 * field numbers. Nested messages are built in their own writer and embedded with {@link
 * #message(int, ProtoWriter)}. Not thread-safe.
 */
final class ProtoWriter {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private byte[] buf = new byte[64];
  private int size;

  /** The number of bytes written so far. */
  int size() {
    return size;
  }

  /** A copy of the bytes written so far. */
  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  /** A varint field; negative values take ten bytes, as protobuf encodes int32 and int64. */
  ProtoWriter int64(int field, long value) {
    tag(field, VARINT);
    rawVarint(value);
    return this;
  }

  /** A fixed32 field holding the bits of {@code value}. */
  ProtoWriter float32(int field, float value) {
    tag(field, FIXED32);
    rawFixed32(Float.floatToRawIntBits(value));
    return this;
  }

  /** A fixed64 field holding the bits of {@code value}. */
  ProtoWriter float64(int field, double value) {
    tag(field, FIXED64);
    rawFixed64(Double.doubleToRawLongBits(value));
    return this;
  }

  /** A fixed32 field. */
  ProtoWriter fixed32(int field, int value) {
    tag(field, FIXED32);
    rawFixed32(value);
    return this;
  }

  /** A fixed64 field. */
  ProtoWriter fixed64(int field, long value) {
    tag(field, FIXED64);
    rawFixed64(value);
    return this;
  }

  /** A length-delimited field holding {@code value} encoded as UTF-8. */
  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A length-delimited field holding {@code value}. */
  ProtoWriter bytes(int field, byte[] value) {
    return bytes(field, value, 0, value.length);
  }

  /** A length-delimited field holding {@code length} bytes of {@code value} from {@code offset}. */
  ProtoWriter bytes(int field, byte[] value, int offset, int length) {
    tag(field, LENGTH_DELIMITED);
    rawVarint(length);
    ensure(length);
    System.arraycopy(value, offset, buf, size, length);
    size += length;
    return this;
  }

  /** A length-delimited field holding everything {@code message} has written. */
  ProtoWriter message(int field, ProtoWriter message) {
    return bytes(field, message.buf, 0, message.size);
  }

  /** A packed repeated varint field; nothing is written for an empty array. */
  ProtoWriter packedInt64(int field, long[] values) {
    if (values.length == 0) {
      return this;
    }
    ProtoWriter body = new ProtoWriter();
    for (long v : values) {
      body.rawVarint(v);
    }
    return message(field, body);
  }

  /** A packed repeated fixed32 field of floats; nothing is written for an empty array. */
  ProtoWriter packedFloat32(int field, float[] values) {
    if (values.length == 0) {
      return this;
    }
    ProtoWriter body = new ProtoWriter();
    for (float v : values) {
      body.rawFixed32(Float.floatToRawIntBits(v));
    }
    return message(field, body);
  }

  /** A field key: the field number and the wire type. */
  ProtoWriter tag(int field, int wireType) {
    if (field < 1 || field > (1 << 29) - 1) {
      throw new IllegalArgumentException("field number out of range: " + field);
    }
    rawVarint(((long) field << 3) | wireType);
    return this;
  }

  /** A bare varint, without a key. */
  ProtoWriter rawVarint(long value) {
    ensure(10);
    while ((value & ~0x7FL) != 0) {
      buf[size++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buf[size++] = (byte) value;
    return this;
  }

  /** A bare little-endian fixed32, without a key. */
  ProtoWriter rawFixed32(int value) {
    ensure(4);
    for (int i = 0; i < 4; i++) {
      buf[size++] = (byte) (value >>> (8 * i));
    }
    return this;
  }

  /** A bare little-endian fixed64, without a key. */
  ProtoWriter rawFixed64(long value) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[size++] = (byte) (value >>> (8 * i));
    }
    return this;
  }

  private void ensure(int more) {
    long needed = (long) size + more;
    if (needed > Integer.MAX_VALUE - 8) {
      // A ModelProto above 2 GiB cannot be parsed by protobuf (or ONNX Runtime) anyway.
      throw new InvalidInputException("protobuf message would exceed 2 GiB");
    }
    if (needed > buf.length) {
      long grown = Math.max(needed, (long) buf.length * 2);
      buf = Arrays.copyOf(buf, (int) Math.min(grown, Integer.MAX_VALUE - 8));
    }
  }
}
