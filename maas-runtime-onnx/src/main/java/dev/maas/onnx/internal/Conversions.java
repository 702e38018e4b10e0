package dev.maas.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import ai.onnxruntime.ValueInfo;
import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.InvalidInputException;
import dev.maas.ModelLoadException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Between maas tensors and signatures and ONNX Runtime's. */
public final class Conversions {
  private Conversions() {}

  /** The maas dtype of an ONNX element type, or null if maas has none (complex, float8, int4...). */
  public static DType dtype(OnnxTensorType t) {
    switch (t) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return DType.FLOAT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return DType.FLOAT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return DType.FLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16: return DType.BFLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return DType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return DType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return DType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16: return DType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return DType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32: return DType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return DType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64: return DType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return DType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING: return DType.STRING;
      default: return null;
    }
  }

  /**
   * The ONNX Runtime Java type used to create an input of {@code dtype}, or null when its Java API
   * cannot create one (uint16, uint32, uint64).
   */
  public static OnnxJavaType inputType(DType dtype) {
    switch (dtype) {
      case FLOAT32: return OnnxJavaType.FLOAT;
      case FLOAT64: return OnnxJavaType.DOUBLE;
      case FLOAT16: return OnnxJavaType.FLOAT16;
      case BFLOAT16: return OnnxJavaType.BFLOAT16;
      case INT8: return OnnxJavaType.INT8;
      case UINT8: return OnnxJavaType.UINT8;
      case INT16: return OnnxJavaType.INT16;
      case INT32: return OnnxJavaType.INT32;
      case INT64: return OnnxJavaType.INT64;
      case BOOL: return OnnxJavaType.BOOL;
      case STRING: return OnnxJavaType.STRING;
      default: return null;
    }
  }

  /**
   * A maas spec from ONNX Runtime's node info.
   *
   * @param input whether the node is an input (inputs must be creatable through the Java API)
   * @throws ModelLoadException for non-tensor values and element types maas cannot carry
   */
  public static TensorSpec spec(NodeInfo node, boolean input) {
    ValueInfo info = node.getInfo();
    String kind = input ? "input" : "output";
    if (!(info instanceof TensorInfo)) {
      throw new ModelLoadException(kind + " '" + node.getName() + "' is not a tensor (" + info
          + "); maas serves models whose inputs and outputs are tensors");
    }
    TensorInfo t = (TensorInfo) info;
    DType dtype = dtype(t.onnxType);
    if (dtype == null) {
      throw new ModelLoadException(kind + " '" + node.getName() + "' has element type " + t.onnxType
          + ", which maas does not support");
    }
    if (input && inputType(dtype) == null) {
      throw new ModelLoadException("input '" + node.getName() + "' is " + dtype
          + ": ONNX Runtime's Java API cannot create " + dtype + " tensors, so this model cannot be fed");
    }
    long[] shape = t.getShape();
    String[] names = t.getDimensionNames();
    List<Dimension> dims = new ArrayList<>(shape.length);
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0) {
        dims.add(Dimension.fixed(shape[i]));
      } else {
        String sym = i < names.length && names[i] != null && !names[i].isEmpty() ? names[i] : null;
        dims.add(Dimension.dynamic(sym));
      }
    }
    return new TensorSpec(node.getName(), dtype, dims);
  }

  /**
   * An ONNX Runtime tensor over a maas tensor; direct buffers are shared, not copied. The caller
   * closes it.
   */
  public static OnnxTensor toOnnx(OrtEnvironment env, Tensor t) throws OrtException {
    long[] shape = t.shape();
    if (t.dtype() == DType.STRING) {
      return OnnxTensor.createTensor(env, t.toStringArray(), shape);
    }
    OnnxJavaType type = inputType(t.dtype());
    if (type == null) {
      throw new InvalidInputException("ONNX Runtime's Java API cannot create " + t.dtype() + " tensors");
    }
    ByteBuffer b = t.buffer();
    if (!b.isDirect()) {
      // ORT copies heap buffers only when they are typed views; a direct copy works for every type.
      ByteBuffer d = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.nativeOrder());
      d.put(b).flip();
      b = d;
    }
    return OnnxTensor.createTensor(env, b, shape, type);
  }

  /** A maas tensor holding a copy of an ONNX Runtime tensor's elements. */
  public static Tensor fromOnnx(OnnxTensor t) throws OrtException {
    TensorInfo info = t.getInfo();
    DType dtype = dtype(info.onnxType);
    if (dtype == null) {
      throw new dev.maas.InferenceException("output of element type " + info.onnxType + " is not supported by maas");
    }
    long[] shape = info.getShape();
    if (dtype == DType.STRING) {
      String[] flat = new String[Math.toIntExact(Tensor.elementCount(shape))];
      flatten(t.getValue(), flat, new int[] {0});
      return Tensor.of(flat, shape);
    }
    ByteBuffer bytes = t.getByteBuffer(); // a heap copy in native order
    return Tensor.wrap(dtype, bytes, shape);
  }

  private static void flatten(Object value, String[] out, int[] pos) {
    if (value instanceof String) {
      out[pos[0]++] = (String) value;
    } else if (value instanceof String[]) {
      for (String s : (String[]) value) {
        out[pos[0]++] = s;
      }
    } else if (value != null && value.getClass().isArray()) {
      int n = Array.getLength(value);
      for (int i = 0; i < n; i++) {
        flatten(Array.get(value, i), out, pos);
      }
    }
  }
}
