package dev.maas.onnx.tools;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import java.util.Objects;

/**
 * Maps maas {@link DType}s to and from the element type numbers of ONNX ({@code
 * TensorProto.DataType}: FLOAT = 1, UINT8 = 2, ..., BFLOAT16 = 16).
 *
 * <p>Every DType has an ONNX number. ONNX types with no DType (complex, the float8, int4 and float4
 * families) are rejected by {@link #fromOnnx(int)} with a message that names them. Stateless and
 * thread-safe.
 */
public final class OnnxTypes {
  // Index = ONNX DataType number, as in onnx.proto (onnx 1.17: up to FLOAT4E2M1 = 23).
  private static final String[] ONNX_NAMES = {
    "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
    "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
    "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"
  };

  private static final String ORT_PREFIX = "ONNX_TENSOR_ELEMENT_DATA_TYPE_";

  private OnnxTypes() {}

  /**
   * The ONNX element type number of {@code dtype}.
   *
   * @param dtype a maas element type
   * @return the {@code TensorProto.DataType} number, for example 1 for {@link DType#FLOAT32}
   */
  public static int toOnnx(DType dtype) {
    switch (Objects.requireNonNull(dtype, "dtype")) {
      case FLOAT32: return 1;
      case UINT8: return 2;
      case INT8: return 3;
      case UINT16: return 4;
      case INT16: return 5;
      case INT32: return 6;
      case INT64: return 7;
      case STRING: return 8;
      case BOOL: return 9;
      case FLOAT16: return 10;
      case FLOAT64: return 11;
      case UINT32: return 12;
      case UINT64: return 13;
      case BFLOAT16: return 16;
      default: throw new AssertionError("unmapped dtype " + dtype);
    }
  }

  /**
   * The maas element type of an ONNX element type number.
   *
   * @param onnxType a {@code TensorProto.DataType} number
   * @return the matching DType
   * @throws InvalidInputException if maas has no such type (UNDEFINED, complex, float8, int4, ...)
   *     or the number is not an ONNX type at all
   */
  public static DType fromOnnx(int onnxType) {
    switch (onnxType) {
      case 1: return DType.FLOAT32;
      case 2: return DType.UINT8;
      case 3: return DType.INT8;
      case 4: return DType.UINT16;
      case 5: return DType.INT16;
      case 6: return DType.INT32;
      case 7: return DType.INT64;
      case 8: return DType.STRING;
      case 9: return DType.BOOL;
      case 10: return DType.FLOAT16;
      case 11: return DType.FLOAT64;
      case 12: return DType.UINT32;
      case 13: return DType.UINT64;
      case 16: return DType.BFLOAT16;
      default:
        throw new InvalidInputException(
            "ONNX element type " + onnxTypeName(onnxType) + " (" + onnxType + ") has no maas dtype (supported: float, double,"
                + " float16, bfloat16, int8/16/32/64, uint8/16/32/64, bool, string)");
    }
  }

  /**
   * The maas element type of an ONNX element type name, as onnx.proto spells it ({@code "FLOAT"},
   * {@code "INT64"}, ...), ignoring case and an {@code ONNX_TENSOR_ELEMENT_DATA_TYPE_} prefix.
   *
   * <p>Use this, not the {@code value} field, with ONNX Runtime's Java enum {@code
   * TensorInfo.OnnxTensorType}: its values follow a numbering of its own (FLOAT is 10 there, 1 in
   * ONNX), while its constant names are {@code ONNX_TENSOR_ELEMENT_DATA_TYPE_} and the ONNX name.
   *
   * @param name an ONNX element type name
   * @return the matching DType
   * @throws InvalidInputException if the name is not an ONNX type or maas has no such type
   */
  public static DType fromOnnxName(String name) {
    Objects.requireNonNull(name, "name");
    String n = name.trim().toUpperCase(java.util.Locale.ROOT);
    if (n.startsWith(ORT_PREFIX)) {
      n = n.substring(ORT_PREFIX.length());
    }
    for (int i = 1; i < ONNX_NAMES.length; i++) {
      if (ONNX_NAMES[i].equals(n)) {
        return fromOnnx(i);
      }
    }
    throw new InvalidInputException("'" + name + "' is not an ONNX element type name");
  }

  /**
   * The name onnx.proto gives an element type number, for messages.
   *
   * @param onnxType a {@code TensorProto.DataType} number
   * @return for example {@code "FLOAT"} or {@code "COMPLEX64"}; {@code "UNKNOWN(99)"} for a number
   *     that onnx.proto does not define (as of ONNX 1.17)
   */
  public static String onnxTypeName(int onnxType) {
    return onnxType >= 0 && onnxType < ONNX_NAMES.length
        ? ONNX_NAMES[onnxType]
        : "UNKNOWN(" + onnxType + ")";
  }
}
