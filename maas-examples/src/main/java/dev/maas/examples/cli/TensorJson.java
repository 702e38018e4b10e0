package dev.maas.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CLI's tensor JSON: one object mapping each tensor name to {@code {"dtype": "float32",
 * "shape": [1, 4], "data": [...]}}, data flat and row-major (numbers; booleans or 0/1 for bool;
 * strings for string; float16/bfloat16 as decimal numbers).
 */
final class TensorJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TensorJson() {}

  /**
   * Reads named tensors.
   *
   * @throws InvalidInputException naming the tensor and what is wrong
   */
  static Map<String, Tensor> read(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new InvalidInputException("input is not valid JSON: " + e.getMessage().split("\n", 2)[0]);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException("input must be a JSON object mapping tensor names to {dtype, shape, data}");
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), tensor(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static Tensor tensor(String name, JsonNode n) {
    if (!n.isObject() || !n.has("dtype") || !n.has("shape") || !n.has("data")) {
      throw new InvalidInputException("tensor '" + name + "' needs dtype, shape and data");
    }
    DType dtype = DType.fromName(n.get("dtype").asText());
    JsonNode shapeNode = n.get("shape");
    JsonNode data = n.get("data");
    if (!shapeNode.isArray() || !data.isArray()) {
      throw new InvalidInputException("tensor '" + name + "': shape and data must be arrays");
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!shapeNode.get(i).canConvertToLong() || shapeNode.get(i).asLong() < 0) {
        throw new InvalidInputException("tensor '" + name + "': shape must hold non-negative integers");
      }
      shape[i] = shapeNode.get(i).asLong();
    }
    long count = Tensor.elementCount(shape);
    if (count != data.size()) {
      throw new InvalidInputException("tensor '" + name + "' of shape " + shapeNode + " needs " + count
          + " values but data has " + data.size());
    }
    if (dtype == DType.STRING) {
      String[] s = new String[data.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = data.get(i).asText();
      }
      return Tensor.of(s).reshape(shape);
    }
    int n2 = data.size();
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[n2];
        for (int i = 0; i < n2; i++) {
          v[i] = (float) number(name, data.get(i));
        }
        return Tensor.of(v).reshape(shape);
      }
      case FLOAT16: {
        float[] v = new float[n2];
        for (int i = 0; i < n2; i++) {
          v[i] = (float) number(name, data.get(i));
        }
        return Tensor.ofFloat16(v).reshape(shape);
      }
      case FLOAT64: {
        double[] v = new double[n2];
        for (int i = 0; i < n2; i++) {
          v[i] = number(name, data.get(i));
        }
        return Tensor.of(v).reshape(shape);
      }
      case BOOL: {
        boolean[] v = new boolean[n2];
        for (int i = 0; i < n2; i++) {
          JsonNode x = data.get(i);
          v[i] = x.isBoolean() ? x.asBoolean() : number(name, x) != 0;
        }
        return Tensor.of(v).reshape(shape);
      }
      default: {
        ByteBuffer b = ByteBuffer.allocate(n2 * dtype.byteSize()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n2; i++) {
          JsonNode x = data.get(i);
          if (dtype == DType.BFLOAT16) {
            b.putShort((short) (Float.floatToRawIntBits((float) number(name, x)) >>> 16));
            continue;
          }
          if (!x.canConvertToLong() && !x.isBigInteger()) {
            throw new InvalidInputException("tensor '" + name + "' is " + dtype + " but holds " + x);
          }
          long v = x.isBigInteger() ? x.bigIntegerValue().longValue() : x.asLong();
          switch (dtype.byteSize()) {
            case 1: b.put((byte) v); break;
            case 2: b.putShort((short) v); break;
            case 4: b.putInt((int) v); break;
            default: b.putLong(v);
          }
        }
        b.flip();
        return Tensor.copyOf(dtype, b, shape);
      }
    }
  }

  private static double number(String name, JsonNode x) {
    if (x.isNumber()) {
      return x.asDouble();
    }
    if (x.isTextual()) {
      switch (x.asText()) {
        case "NaN": return Double.NaN;
        case "Infinity": return Double.POSITIVE_INFINITY;
        case "-Infinity": return Double.NEGATIVE_INFINITY;
        default: break;
      }
    }
    throw new InvalidInputException("tensor '" + name + "' holds a non-number: " + x);
  }

  /** Writes named tensors in the same format. */
  static ObjectNode write(Map<String, Tensor> tensors) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    tensors.forEach((name, t) -> {
      ObjectNode o = root.putObject(name);
      o.put("dtype", t.dtype().typeName());
      ArrayNode shape = o.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      ArrayNode data = o.putArray("data");
      if (t.dtype() == DType.STRING) {
        for (String s : t.toStringArray()) {
          data.add(s);
        }
      } else if (t.dtype() == DType.BOOL) {
        for (boolean v : t.toBooleanArray()) {
          data.add(v);
        }
      } else if (t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT16 || t.dtype() == DType.BFLOAT16) {
        for (float v : t.toFloatArray()) {
          if (Float.isFinite(v)) {
            data.add(v);
          } else {
            data.add(Float.toString(v));
          }
        }
      } else if (t.dtype() == DType.FLOAT64) {
        for (double v : t.toDoubleArray()) {
          if (Double.isFinite(v)) {
            data.add(v);
          } else {
            data.add(Double.toString(v));
          }
        }
      } else if (t.dtype() == DType.UINT64) {
        for (long v : t.toLongArray()) {
          data.add(new java.math.BigInteger(Long.toUnsignedString(v)));
        }
      } else {
        for (double v : t.toDoubles()) {
          data.add((long) v);
        }
      }
    });
    return root;
  }

  static String pretty(ObjectNode n) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
