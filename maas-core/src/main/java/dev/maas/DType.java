package dev.maas;

import java.util.Locale;

/**
 * The element type of a {@link Tensor}.
 *
 * <p>Names follow NumPy ({@code float32}, {@code int64}, ...) and are what manifests, the CLI and
 * JSON inputs use; {@link #fromName(String)} also accepts the ONNX spellings ({@code float},
 * {@code double}). Fixed-size types are stored in {@link java.nio.ByteOrder#nativeOrder() native
 * byte order}; {@link #STRING} tensors hold Java strings.
 */
public enum DType {
  /** 32-bit IEEE 754 float. */
  FLOAT32("float32", 4),
  /** 64-bit IEEE 754 float. */
  FLOAT64("float64", 8),
  /** 16-bit IEEE 754 half-precision float, stored as its raw bits. */
  FLOAT16("float16", 2),
  /** bfloat16 (the upper half of a float32), stored as its raw bits. */
  BFLOAT16("bfloat16", 2),
  /** Signed 8-bit integer. */
  INT8("int8", 1),
  /** Unsigned 8-bit integer. */
  UINT8("uint8", 1),
  /** Signed 16-bit integer. */
  INT16("int16", 2),
  /** Unsigned 16-bit integer. */
  UINT16("uint16", 2),
  /** Signed 32-bit integer. */
  INT32("int32", 4),
  /** Unsigned 32-bit integer. */
  UINT32("uint32", 4),
  /** Signed 64-bit integer. */
  INT64("int64", 8),
  /** Unsigned 64-bit integer. */
  UINT64("uint64", 8),
  /** Boolean, one byte per element (0 or 1). */
  BOOL("bool", 1),
  /** UTF-8 text, one Java string per element. */
  STRING("string", 0);

  private final String typeName;
  private final int byteSize;

  DType(String typeName, int byteSize) {
    this.typeName = typeName;
    this.byteSize = byteSize;
  }

  /** The lower-case name used in manifests and JSON, e.g. {@code "float32"}. */
  public String typeName() {
    return typeName;
  }

  /** Bytes per element; 0 for {@link #STRING}, whose elements have no fixed size. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements have a fixed size and live in a byte buffer (everything but STRING). */
  public boolean isFixedSize() {
    return this != STRING;
  }

  /**
   * Parses a type name, ignoring case: the names of {@link #typeName()}, the enum constants, and
   * the ONNX spellings {@code float}, {@code double}, {@code half} and {@code boolean}.
   *
   * @throws InvalidInputException if the name is not a known type
   */
  public static DType fromName(String name) {
    if (name != null) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      switch (n) {
        case "float":
          return FLOAT32;
        case "double":
          return FLOAT64;
        case "half":
          return FLOAT16;
        case "boolean":
          return BOOL;
        default:
          for (DType t : values()) {
            if (t.typeName.equals(n) || t.name().equalsIgnoreCase(n)) {
              return t;
            }
          }
      }
    }
    throw new InvalidInputException("unknown dtype '" + name + "'");
  }

  @Override
  public String toString() {
    return typeName;
  }
}
