package dev.maas.onnx.tools;

import dev.maas.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one protobuf message in the wire format, field by field, from a byte array.
 *
 * <p>Built to be handed hostile bytes: every length is checked against what is left before anything
 * is allocated, varints longer than ten bytes and unknown or group wire types are rejected, and
 * every failure is an {@link InvalidInputException} naming the message and byte offset. Each call
 * consumes at least one byte or fails, so a loop over {@link #hasRemaining()} always ends. Nested
 * messages are read by a child reader over the same array, without copying. Not thread-safe.
 *
 * <p>Typical loop:
 *
 * <pre>{@code
 * while (r.hasRemaining()) {
 *   switch (r.readTag()) {
 *     case 1: dims.add(...); break;
 *     default: r.skipField();
 *   }
 * }
 * }</pre>
 */
final class ProtoReader {
  static final int VARINT = ProtoWriter.VARINT;
  static final int FIXED64 = ProtoWriter.FIXED64;
  static final int LENGTH_DELIMITED = ProtoWriter.LENGTH_DELIMITED;
  static final int FIXED32 = ProtoWriter.FIXED32;

  private final byte[] buf;
  private final int start;
  private final int limit;
  private final String what;
  private int pos;
  private int wireType = -1;
  private int field;

  /** A reader over all of {@code bytes}, which hold a message called {@code what} in errors. */
  ProtoReader(byte[] bytes, String what) {
    this(bytes, 0, bytes.length, what);
  }

  private ProtoReader(byte[] bytes, int offset, int length, String what) {
    this.buf = bytes;
    this.start = offset;
    this.pos = offset;
    this.limit = offset + length;
    this.what = what;
  }

  /** Whether any bytes of the message are left. */
  boolean hasRemaining() {
    return pos < limit;
  }

  /** The field number of the last key read. */
  int field() {
    return field;
  }

  /** The wire type of the last key read. */
  int wireType() {
    return wireType;
  }

  /**
   * Reads a field key and returns its field number; {@link #wireType()} then tells how the value is
   * encoded.
   */
  int readTag() {
    int at = pos;
    long key = readVarint();
    if (key >>> 32 != 0) {
      throw malformed(at, "field key " + Long.toUnsignedString(key) + " is out of range");
    }
    int type = (int) (key & 7);
    int number = (int) (key >>> 3);
    if (number == 0) {
      throw malformed(at, "field number 0 is not valid");
    }
    if (type == 3 || type == 4) {
      throw malformed(at, "field " + number + " uses the group wire type, which ONNX never uses");
    }
    if (type != VARINT && type != FIXED64 && type != LENGTH_DELIMITED && type != FIXED32) {
      throw malformed(at, "field " + number + " has unknown wire type " + type);
    }
    this.field = number;
    this.wireType = type;
    return number;
  }

  /** Reads a varint of at most ten bytes. */
  long readVarint() {
    int at = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw malformed(at, "varint runs past the end");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw malformed(at, "varint is longer than ten bytes");
  }

  /** Reads a little-endian fixed32 value. */
  int readFixed32() {
    require(4, "fixed32 value");
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v |= (buf[pos++] & 0xFF) << (8 * i);
    }
    return v;
  }

  /** Reads a little-endian fixed64 value. */
  long readFixed64() {
    require(8, "fixed64 value");
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (long) (buf[pos++] & 0xFF) << (8 * i);
    }
    return v;
  }

  /** Reads the length of a length-delimited value, checked against the bytes left. */
  int readLength() {
    int at = pos;
    long n = readVarint();
    if (n < 0 || n > limit - pos) {
      throw malformed(at, "length " + Long.toUnsignedString(n) + " of field " + field
          + " exceeds the " + (limit - pos) + " bytes left");
    }
    return (int) n;
  }

  /** Reads a length-delimited value as a new array. */
  byte[] readBytes() {
    expect(LENGTH_DELIMITED);
    int n = readLength();
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  /** Reads a length-delimited value as a view (position 0, limit its length), without copying. */
  ByteBuffer readBytesView() {
    expect(LENGTH_DELIMITED);
    int n = readLength();
    ByteBuffer view = ByteBuffer.wrap(buf, pos, n).slice();
    pos += n;
    return view.asReadOnlyBuffer();
  }

  /** Reads a length-delimited value as strict UTF-8. */
  String readString() {
    expect(LENGTH_DELIMITED);
    int at = pos;
    int n = readLength();
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, pos, n))
          .toString();
      pos += n;
      return s;
    } catch (CharacterCodingException e) {
      throw malformed(at, "field " + field + " is not valid UTF-8");
    }
  }

  /** Reads a length-delimited value as an embedded message called {@code name} in errors. */
  ProtoReader readMessage(String name) {
    expect(LENGTH_DELIMITED);
    int n = readLength();
    ProtoReader child = new ProtoReader(buf, pos, n, what + "." + name);
    pos += n;
    return child;
  }

  /** Reads a repeated varint field, packed or not, appending its values to {@code out}. */
  void readRepeatedVarint(LongList out) {
    if (wireType == LENGTH_DELIMITED) {
      ProtoReader packed = readMessage("packed");
      while (packed.hasRemaining()) {
        out.add(packed.readVarint());
      }
    } else {
      expect(VARINT);
      out.add(readVarint());
    }
  }

  /** Reads a repeated fixed32 field, packed or not, appending its values to {@code out}. */
  void readRepeatedFixed32(IntList out) {
    if (wireType == LENGTH_DELIMITED) {
      int at = pos;
      ProtoReader packed = readMessage("packed");
      if ((packed.limit - packed.pos) % 4 != 0) {
        throw malformed(at, "packed fixed32 field " + field + " is not a multiple of 4 bytes");
      }
      while (packed.hasRemaining()) {
        out.add(packed.readFixed32());
      }
    } else {
      expect(FIXED32);
      out.add(readFixed32());
    }
  }

  /** Reads a repeated fixed64 field, packed or not, appending its values to {@code out}. */
  void readRepeatedFixed64(LongList out) {
    if (wireType == LENGTH_DELIMITED) {
      int at = pos;
      ProtoReader packed = readMessage("packed");
      if ((packed.limit - packed.pos) % 8 != 0) {
        throw malformed(at, "packed fixed64 field " + field + " is not a multiple of 8 bytes");
      }
      while (packed.hasRemaining()) {
        out.add(packed.readFixed64());
      }
    } else {
      expect(FIXED64);
      out.add(readFixed64());
    }
  }

  /** Reads a varint field and checks it has the varint wire type. */
  long readInt64() {
    expect(VARINT);
    return readVarint();
  }

  /** Skips the value of the field whose key was just read. */
  void skipField() {
    switch (wireType) {
      case VARINT:
        readVarint();
        break;
      case FIXED64:
        require(8, "fixed64 value");
        pos += 8;
        break;
      case FIXED32:
        require(4, "fixed32 value");
        pos += 4;
        break;
      case LENGTH_DELIMITED: {
        int n = readLength(); // not "pos += readLength()": that adds to the old pos
        pos += n;
        break;
      }
      default:
        throw new IllegalStateException("no field key was read");
    }
  }

  /** Fails unless the field whose key was just read has {@code type}. */
  void expect(int type) {
    if (wireType != type) {
      throw malformed(pos, "field " + field + " has wire type " + wireType + ", expected " + type);
    }
  }

  /** An exception naming this message and the byte offset {@code at}. */
  InvalidInputException malformed(int at, String problem) {
    return new InvalidInputException(
        "malformed " + what + " at byte " + (at - start) + ": " + problem);
  }

  private void require(int n, String thing) {
    if (limit - pos < n) {
      throw malformed(pos, thing + " of field " + field + " runs past the end");
    }
  }

  /** A growable list of longs; its size is bounded by the bytes read into it. */
  static final class LongList {
    private long[] values = new long[8];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    long get(int i) {
      return values[i];
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }

  /** A growable list of ints; its size is bounded by the bytes read into it. */
  static final class IntList {
    private int[] values = new int[8];
    private int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    int get(int i) {
      return values[i];
    }
  }
}
