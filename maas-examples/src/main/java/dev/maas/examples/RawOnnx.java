package dev.maas.examples;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.maas.DType;
import dev.maas.Tensor;
import dev.maas.onnx.tools.OnnxTypes;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversions between maas tensors and ONNX Runtime's for the tools that run ONNX Runtime directly
 * (the conformance runner's and the bench command's {@code --raw} mode). The value conversions are
 * written independently of maas-runtime-onnx's own on purpose: the raw mode is the reference to
 * compare with. Only the table from ONNX element type names to dtypes is shared ({@link OnnxTypes}).
 */
public final class RawOnnx {
  private RawOnnx() {}

  /**
   * An ONNX Runtime tensor holding a copy of {@code t}; the caller closes it.
   *
   * @throws IllegalArgumentException for uint16/uint32/uint64, which ORT's Java API cannot create
   */
  public static OnnxTensor tensor(OrtEnvironment env, Tensor t) throws OrtException {
    if (t.dtype() == DType.STRING) {
      return OnnxTensor.createTensor(env, t.toStringArray(), t.shape());
    }
    OnnxJavaType type;
    switch (t.dtype()) {
      case FLOAT32: type = OnnxJavaType.FLOAT; break;
      case FLOAT64: type = OnnxJavaType.DOUBLE; break;
      case FLOAT16: type = OnnxJavaType.FLOAT16; break;
      case BFLOAT16: type = OnnxJavaType.BFLOAT16; break;
      case INT8: type = OnnxJavaType.INT8; break;
      case UINT8: type = OnnxJavaType.UINT8; break;
      case INT16: type = OnnxJavaType.INT16; break;
      case INT32: type = OnnxJavaType.INT32; break;
      case INT64: type = OnnxJavaType.INT64; break;
      case BOOL: type = OnnxJavaType.BOOL; break;
      default: throw new IllegalArgumentException("ONNX Runtime's Java API cannot create " + t.dtype() + " inputs");
    }
    ByteBuffer src = t.buffer();
    ByteBuffer direct = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
    direct.put(src).flip();
    return OnnxTensor.createTensor(env, direct, t.shape(), type);
  }

  /** A maas tensor holding a copy of an ONNX Runtime tensor's elements. */
  public static Tensor fromOnnx(OnnxTensor t) throws OrtException {
    TensorInfo info = t.getInfo();
    long[] shape = info.getShape();
    DType dtype = OnnxTypes.fromOnnxName(info.onnxType.name());
    if (dtype == DType.STRING) {
      List<String> flat = new ArrayList<>();
      collect(t.getValue(), flat);
      return Tensor.of(flat.toArray(new String[0]), shape);
    }
    return Tensor.copyOf(dtype, t.getByteBuffer(), shape);
  }

  private static void collect(Object v, List<String> out) {
    if (v instanceof String) {
      out.add((String) v);
    } else if (v != null && v.getClass().isArray()) {
      for (int i = 0; i < Array.getLength(v); i++) {
        collect(Array.get(v, i), out);
      }
    }
  }
}
