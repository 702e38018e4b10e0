package dev.maas.onnx.tools;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.maas.DType;
import dev.maas.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Raw ONNX Runtime for the tests: sessions from bytes, and Tensor ↔ OnnxTensor conversion. */
final class Ort {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private Ort() {}

  /** A CPU session over {@code model}. */
  static OrtSession session(byte[] model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // The backend suite's old exporters trigger "initializer appears in graph inputs" warnings.
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      return ENV.createSession(model, options);
    }
  }

  /** Whether the ORT Java API can create an input tensor of {@code dtype}. */
  static boolean canCreate(DType dtype) {
    return dtype != DType.UINT16 && dtype != DType.UINT32 && dtype != DType.UINT64;
  }

  /** An ORT tensor with a copy of {@code t}'s values; the caller closes it. */
  static OnnxTensor toOrt(Tensor t) throws OrtException {
    if (t.dtype() == DType.STRING) {
      return OnnxTensor.createTensor(ENV, t.toStringArray(), t.shape());
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
      default: throw new UnsupportedOperationException("ORT Java cannot create " + t.dtype() + " tensors");
    }
    ByteBuffer copy = ByteBuffer.allocateDirect((int) t.byteSize()).order(ByteOrder.nativeOrder());
    copy.put(t.buffer()).flip();
    return OnnxTensor.createTensor(ENV, copy, t.shape(), type);
  }

  /** A maas tensor with a copy of {@code o}'s values. */
  static Tensor fromOrt(OnnxValue value) throws OrtException {
    OnnxTensor o = (OnnxTensor) value;
    TensorInfo info = o.getInfo();
    DType dtype = OnnxTypes.fromOnnxName(info.onnxType.name());
    long[] shape = info.getShape();
    if (dtype == DType.STRING) {
      List<String> flat = new ArrayList<>();
      flatten(o.getValue(), flat);
      return shape.length == 0 ? Tensor.zeros(DType.STRING) : Tensor.of(flat.toArray(new String[0]), shape);
    }
    ByteBuffer bytes = o.getByteBuffer().order(ByteOrder.nativeOrder());
    return Tensor.copyOf(dtype, bytes, shape);
  }

  /** Runs {@code session} on {@code inputs} and returns every output, in the session's order. */
  static Map<String, Tensor> run(OrtSession session, Map<String, Tensor> inputs) throws OrtException {
    Map<String, OnnxTensor> ort = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
        ort.put(e.getKey(), toOrt(e.getValue()));
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      try (OrtSession.Result result = session.run(ort)) {
        for (Map.Entry<String, OnnxValue> e : result) {
          out.put(e.getKey(), fromOrt(e.getValue()));
        }
      }
      return out;
    } finally {
      ort.values().forEach(OnnxTensor::close);
    }
  }

  private static void flatten(Object o, List<String> out) {
    if (o instanceof String) {
      out.add((String) o);
    } else {
      for (int i = 0; i < Array.getLength(o); i++) {
        flatten(Array.get(o, i), out);
      }
    }
  }
}
