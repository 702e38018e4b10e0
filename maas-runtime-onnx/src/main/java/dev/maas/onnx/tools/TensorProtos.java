package dev.maas.onnx.tools;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads and writes single serialized ONNX {@code TensorProto}s, the format of the {@code
 * input_N.pb} and {@code output_N.pb} files of the ONNX backend tests and of initializers.
 *
 * <p>{@link #read(byte[])} accepts the values in {@code raw_data} (little-endian, as ONNX
 * specifies, whatever the machine's byte order) or in the typed fields: {@code float_data}, {@code
 * int32_data} (which ONNX also uses for int8, uint8, int16, uint16, bool, float16 and bfloat16),
 * {@code string_data}, {@code int64_data}, {@code double_data} and {@code uint64_data} (also used
 * for uint32), packed or not. It rejects, with an {@link InvalidInputException} that says why,
 * anything else: malformed bytes, element types maas has no {@link DType} for, data kept in an
 * external file, segmented tensors, a value count that does not match the shape. Memory use is
 * bounded by a small multiple of the input size whatever the dims claim.
 *
 * <p>{@link #write(String, Tensor)} writes {@code raw_data} for fixed-size types and {@code
 * string_data} for strings. Stateless and thread-safe.
 */
public final class TensorProtos {
  private static final int DIMS = 1;
  private static final int DATA_TYPE = 2;
  private static final int SEGMENT = 3;
  private static final int FLOAT_DATA = 4;
  private static final int INT32_DATA = 5;
  private static final int STRING_DATA = 6;
  private static final int INT64_DATA = 7;
  private static final int NAME = 8;
  private static final int RAW_DATA = 9;
  private static final int DOUBLE_DATA = 10;
  private static final int UINT64_DATA = 11;
  private static final int EXTERNAL_DATA = 13;
  private static final int DATA_LOCATION = 14;

  private static final int LOCATION_EXTERNAL = 1;

  private TensorProtos() {}

  /**
   * Parses one serialized {@code TensorProto}.
   *
   * @param bytes the serialized message; not modified, and not referenced after the call
   * @return the tensor, in native byte order, with the proto's name ("" when it has none)
   * @throws InvalidInputException if the bytes are not a well-formed TensorProto that maas can
   *     represent; the message says what is wrong
   */
  public static NamedTensor read(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new Parsed(bytes).toNamedTensor();
  }

  /**
   * Reads and parses a file holding one serialized {@code TensorProto}.
   *
   * @param file the file, for example {@code test_data_set_0/input_0.pb}
   * @return the tensor and its name
   * @throws InvalidInputException if the content is not a TensorProto maas can represent, or the
   *     file is larger than 2 GiB
   * @throws UncheckedIOException if the file cannot be read
   */
  public static NamedTensor read(Path file) {
    Objects.requireNonNull(file, "file");
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE - 8) {
        throw new InvalidInputException("tensor file " + file + " is larger than 2 GiB (" + size + " bytes)");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tensor file " + file, e);
    }
    try {
      return read(bytes);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Serializes a tensor as one {@code TensorProto}: {@code dims}, {@code data_type}, {@code name}
   * and {@code raw_data} (little-endian) or, for strings, {@code string_data} (UTF-8).
   *
   * @param name the name to record; may be empty, not null
   * @param tensor the values
   * @return the serialized message, which {@link #read(byte[])} turns back into an equal tensor
   */
  public static byte[] write(String name, Tensor tensor) {
    return encode(name, tensor).toByteArray();
  }

  /** The TensorProto of {@code tensor}, for embedding in a graph or an attribute. */
  static ProtoWriter encode(String name, Tensor tensor) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tensor, "tensor");
    ProtoWriter w = new ProtoWriter();
    // dims is a proto2 repeated int64 without [packed = true]: written unpacked, as onnx does.
    for (long d : tensor.shape()) {
      w.int64(DIMS, d);
    }
    w.int64(DATA_TYPE, OnnxTypes.toOnnx(tensor.dtype()));
    if (!name.isEmpty()) {
      w.string(NAME, name);
    }
    if (tensor.dtype() == DType.STRING) {
      for (String s : tensor.toStringArray()) {
        w.string(STRING_DATA, s);
      }
    } else {
      ByteBuffer src = tensor.buffer();
      byte[] raw = new byte[src.remaining()];
      copyElements(src, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), tensor.dtype().byteSize());
      w.bytes(RAW_DATA, raw);
    }
    return w;
  }

  /**
   * Copies elements of {@code width} bytes from {@code src} to {@code dst}, converting from the
   * byte order of {@code src} to that of {@code dst}. Neither position changes.
   */
  static void copyElements(ByteBuffer src, ByteBuffer dst, int width) {
    ByteBuffer s = src.duplicate().order(src.order());
    ByteBuffer d = dst.duplicate().order(dst.order());
    switch (width) {
      case 1: d.put(s); break;
      case 2: d.asShortBuffer().put(s.asShortBuffer()); break;
      case 4: d.asIntBuffer().put(s.asIntBuffer()); break;
      case 8: d.asLongBuffer().put(s.asLongBuffer()); break;
      default: throw new IllegalArgumentException("element width " + width);
    }
  }

  /** The fields of one TensorProto as read, before they are checked against each other. */
  private static final class Parsed {
    private final ProtoReader.LongList dims = new ProtoReader.LongList();
    private final ProtoReader.IntList floatData = new ProtoReader.IntList();
    private final ProtoReader.LongList int32Data = new ProtoReader.LongList();
    private final List<String> stringData = new ArrayList<>();
    private final ProtoReader.LongList int64Data = new ProtoReader.LongList();
    private final ProtoReader.LongList doubleData = new ProtoReader.LongList();
    private final ProtoReader.LongList uint64Data = new ProtoReader.LongList();
    private long dataType;
    private String name = "";
    private ByteBuffer raw;
    private long dataLocation;
    private boolean segmented;
    private boolean external;

    Parsed(byte[] bytes) {
      ProtoReader r = new ProtoReader(bytes, "TensorProto");
      while (r.hasRemaining()) {
        switch (r.readTag()) {
          case DIMS: r.readRepeatedVarint(dims); break;
          case DATA_TYPE: dataType = r.readInt64(); break;
          case SEGMENT: r.expect(ProtoReader.LENGTH_DELIMITED); segmented = true; r.skipField(); break;
          case FLOAT_DATA: r.readRepeatedFixed32(floatData); break;
          case INT32_DATA: r.readRepeatedVarint(int32Data); break;
          case STRING_DATA: stringData.add(r.readString()); break;
          case INT64_DATA: r.readRepeatedVarint(int64Data); break;
          case NAME: name = r.readString(); break;
          case RAW_DATA: raw = r.readBytesView(); break;
          case DOUBLE_DATA: r.readRepeatedFixed64(doubleData); break;
          case UINT64_DATA: r.readRepeatedVarint(uint64Data); break;
          case EXTERNAL_DATA: r.expect(ProtoReader.LENGTH_DELIMITED); external = true; r.skipField(); break;
          case DATA_LOCATION: dataLocation = r.readInt64(); break;
          default: r.skipField(); // doc_string, metadata_props, fields of later ONNX versions
        }
      }
    }

    NamedTensor toNamedTensor() {
      String label = name.isEmpty() ? "TensorProto" : "TensorProto '" + name + "'";
      if (dataLocation == LOCATION_EXTERNAL || external) {
        throw new InvalidInputException(label + " keeps its data in an external file (data_location"
            + " EXTERNAL); only tensors with inline data can be read");
      }
      if (dataLocation != 0) {
        throw new InvalidInputException(label + " has unknown data_location " + dataLocation);
      }
      if (segmented) {
        throw new InvalidInputException(label + " is one segment of a larger tensor; segments are not supported");
      }
      if (dataType == 0) {
        throw new InvalidInputException(label + " has no data_type");
      }
      if (dataType != (int) dataType) {
        throw new InvalidInputException(label + " has data_type " + dataType + ", not an ONNX element type");
      }
      DType dtype = OnnxTypes.fromOnnx((int) dataType);
      long[] shape = dims.toArray();
      long count = Tensor.elementCount(shape); // rejects negative dims and overflow
      Tensor tensor = raw != null ? fromRaw(label, dtype, shape, count) : fromTyped(label, dtype, shape, count);
      return new NamedTensor(name, tensor);
    }

    private Tensor fromRaw(String label, DType dtype, long[] shape, long count) {
      String typed = typedFieldInUse();
      if (typed != null) {
        throw new InvalidInputException(label + " has both raw_data and " + typed);
      }
      if (dtype == DType.STRING) {
        throw new InvalidInputException(label + " is a string tensor with raw_data; strings belong in string_data");
      }
      int width = dtype.byteSize();
      int bytes = raw.remaining();
      if (bytes % width != 0 || bytes / width != count) {
        throw new InvalidInputException(label + " of " + dtype + Arrays.toString(shape) + " needs " + count
            + " values (" + width + " bytes each) but raw_data holds " + bytes + " bytes");
      }
      ByteBuffer data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
      copyElements(raw.order(ByteOrder.LITTLE_ENDIAN), data, width);
      if (dtype == DType.BOOL) {
        for (int i = 0; i < bytes; i++) {
          data.put(i, data.get(i) != 0 ? (byte) 1 : (byte) 0);
        }
      }
      return Tensor.wrap(dtype, data, shape);
    }

    private Tensor fromTyped(String label, DType dtype, long[] shape, long count) {
      String expected = typedFieldFor(dtype);
      String typed = typedFieldInUse();
      if (typed != null && !typed.equals(expected)) {
        throw new InvalidInputException(label + " is a " + dtype + " tensor but carries " + typed
            + "; ONNX stores " + dtype + " values in " + expected + " or raw_data");
      }
      int values = valueCount(expected);
      if (values != count) {
        throw new InvalidInputException(label + " of " + dtype + Arrays.toString(shape) + " needs " + count
            + " values but " + (values == 0 ? "holds none" : expected + " holds " + values));
      }
      if (dtype == DType.STRING) {
        String[] strings = stringData.toArray(new String[0]);
        return Tensor.of(strings).reshape(shape);
      }
      if ((long) values * dtype.byteSize() > Integer.MAX_VALUE - 8) {
        throw new InvalidInputException(label + " is larger than 2 GiB");
      }
      ByteBuffer data = ByteBuffer.allocateDirect(values * dtype.byteSize()).order(ByteOrder.nativeOrder());
      for (int i = 0; i < values; i++) {
        switch (dtype) {
          case FLOAT32: data.putInt(floatData.get(i)); break;
          case FLOAT64: data.putLong(doubleData.get(i)); break;
          case INT64: data.putLong(int64Data.get(i)); break;
          case UINT64: data.putLong(uint64Data.get(i)); break;
          case UINT32: data.putInt((int) uint64Data.get(i)); break;
          case INT32: data.putInt((int) int32Data.get(i)); break;
          case INT16: case UINT16: case FLOAT16: case BFLOAT16: data.putShort((short) int32Data.get(i)); break;
          case INT8: case UINT8: data.put((byte) int32Data.get(i)); break;
          case BOOL: data.put(int32Data.get(i) != 0 ? (byte) 1 : (byte) 0); break;
          default: throw new AssertionError(dtype);
        }
      }
      data.flip();
      return Tensor.wrap(dtype, data, shape);
    }

    private static String typedFieldFor(DType dtype) {
      switch (dtype) {
        case FLOAT32: return "float_data";
        case FLOAT64: return "double_data";
        case INT64: return "int64_data";
        case UINT32: case UINT64: return "uint64_data";
        case STRING: return "string_data";
        default: return "int32_data";
      }
    }

    private int valueCount(String field) {
      switch (field) {
        case "float_data": return floatData.size();
        case "double_data": return doubleData.size();
        case "int64_data": return int64Data.size();
        case "uint64_data": return uint64Data.size();
        case "string_data": return stringData.size();
        case "int32_data": return int32Data.size();
        default: throw new AssertionError(field);
      }
    }

    /** The typed field holding values, or null; fails if more than one does. */
    private String typedFieldInUse() {
      String found = null;
      String[] names = {"float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data"};
      for (String n : names) {
        if (valueCount(n) > 0) {
          if (found != null) {
            throw new InvalidInputException("TensorProto " + (name.isEmpty() ? "" : "'" + name + "' ")
                + "has values in both " + found + " and " + n);
          }
          found = n;
        }
      }
      return found;
    }
  }
}
