package dev.maas.onnx.tools;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds a serialized ONNX {@code ModelProto} in code, without protobuf or Python: graph inputs
 * and outputs, initializers (weights) and nodes in topological order.
 *
 * <pre>{@code
 * byte[] model = OnnxModelBuilder.create()
 *     .input("x", DType.FLOAT32, "batch", 4)           // "batch" is a symbolic (dynamic) dim
 *     .initializer("W", Tensor.of(new float[12], 4, 3))
 *     .node("MatMul", List.of("x", "W"), List.of("h"))
 *     .node("Relu", List.of("h"), List.of("y"))
 *     .output("y", DType.FLOAT32, "batch", 3)
 *     .build();
 * }</pre>
 *
 * <p>Each method checks its arguments at once and throws {@link InvalidInputException} for a bad or
 * conflicting one (a name used twice, a node input no earlier input, initializer or node defines, a
 * dimension that is neither a size nor a name), so that mistakes surface where they are made rather
 * than as an ONNX Runtime load error. Operator names, attributes and types are not checked against
 * the ONNX operator schemas; the runtime does that when it loads the model. Null arguments throw
 * {@link NullPointerException}.
 *
 * <p>Defaults: IR version {@value #DEFAULT_IR_VERSION}, opset {@value #DEFAULT_OPSET} of the default
 * domain, producer name {@code "maas"}, graph name {@code "main"}. The output is deterministic: the
 * same calls give the same bytes. A builder may be used for several {@link #build()}s; it is not
 * thread-safe.
 */
public final class OnnxModelBuilder {
  /** The IR version written unless {@link #irVersion(long)} says otherwise (ONNX 1.10+, ORT 1.10+). */
  public static final long DEFAULT_IR_VERSION = 8;
  /** The default-domain opset imported unless {@link #opset(long)} says otherwise (ONNX 1.12+). */
  public static final long DEFAULT_OPSET = 17;

  // AttributeProto.AttributeType
  private static final int ATTR_FLOAT = 1;
  private static final int ATTR_INT = 2;
  private static final int ATTR_STRING = 3;
  private static final int ATTR_TENSOR = 4;
  private static final int ATTR_FLOATS = 6;
  private static final int ATTR_INTS = 7;

  private long irVersion = DEFAULT_IR_VERSION;
  private final Map<String, Long> opsets = new LinkedHashMap<>();
  private String producerName = "maas";
  private String graphName = "main";
  private final List<ProtoWriter> inputs = new ArrayList<>();
  private final List<ProtoWriter> outputs = new ArrayList<>();
  private final List<String> outputNames = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final List<ProtoWriter> nodes = new ArrayList<>();
  private final Set<String> inputNames = new HashSet<>();
  private final Set<String> defined = new HashSet<>(); // graph inputs, initializers, node outputs

  private OnnxModelBuilder() {}

  /**
   * Starts an empty model.
   *
   * @return a new builder with the defaults described in the class documentation
   */
  public static OnnxModelBuilder create() {
    return new OnnxModelBuilder();
  }

  /**
   * Sets the IR version ({@code ModelProto.ir_version}). ONNX Runtime refuses versions newer than
   * it knows, which makes a large value handy for testing that failure.
   *
   * @param version at least 3 (the first IR version with opset imports)
   * @return this builder
   */
  public OnnxModelBuilder irVersion(long version) {
    if (version < 3) {
      throw new InvalidInputException("IR version must be at least 3, got " + version);
    }
    this.irVersion = version;
    return this;
  }

  /**
   * Imports version {@code version} of the default ONNX operator set ({@code ai.onnx}), replacing
   * any version set before.
   *
   * @param version at least 1
   * @return this builder
   */
  public OnnxModelBuilder opset(long version) {
    return opset("", version);
  }

  /**
   * Imports version {@code version} of the operator set of {@code domain}, replacing any version
   * set before for that domain. The default domain is imported at {@value #DEFAULT_OPSET} even when
   * only other domains are set.
   *
   * @param domain the operator set's domain, for example {@code "com.microsoft"}; {@code ""} or
   *     {@code "ai.onnx"} for the default domain
   * @param version at least 1
   * @return this builder
   */
  public OnnxModelBuilder opset(String domain, long version) {
    Objects.requireNonNull(domain, "domain");
    if (version < 1) {
      throw new InvalidInputException("opset version must be at least 1, got " + version + " for domain '" + domain + "'");
    }
    opsets.put(domain.equals("ai.onnx") ? "" : domain, version);
    return this;
  }

  /**
   * Sets {@code ModelProto.producer_name}.
   *
   * @param name any string
   * @return this builder
   */
  public OnnxModelBuilder producerName(String name) {
    this.producerName = Objects.requireNonNull(name, "name");
    return this;
  }

  /**
   * Sets {@code GraphProto.name}.
   *
   * @param name any string
   * @return this builder
   */
  public OnnxModelBuilder graphName(String name) {
    this.graphName = Objects.requireNonNull(name, "name");
    return this;
  }

  /**
   * Declares a graph input. It may share its name with an {@link #initializer initializer}, which
   * then is its default value (ONNX's optional inputs).
   *
   * @param name a name no other input or node output uses
   * @param dtype the element type
   * @param dims the shape, one entry per axis: an {@code Integer} or {@code Long} (at least 0) for a
   *     fixed size, a non-empty {@code String} for a symbolic size ({@code dim_param}) such as
   *     {@code "batch"}; no entries for a scalar
   * @return this builder
   */
  public OnnxModelBuilder input(String name, DType dtype, Object... dims) {
    checkName(name, "input");
    if (inputNames.contains(name) || (defined.contains(name) && !initializers.containsKey(name))) {
      throw new InvalidInputException("input '" + name + "' is already defined");
    }
    inputs.add(valueInfo(name, dtype, dims));
    inputNames.add(name);
    defined.add(name);
    return this;
  }

  /**
   * Declares a graph output. By the time of {@link #build()} an input, an initializer or a node must
   * define it; it may be declared before the node that does.
   *
   * @param name a name no other output uses
   * @param dtype the element type
   * @param dims the shape, as for {@link #input(String, DType, Object...)}
   * @return this builder
   */
  public OnnxModelBuilder output(String name, DType dtype, Object... dims) {
    checkName(name, "output");
    if (outputNames.contains(name)) {
      throw new InvalidInputException("output '" + name + "' is declared twice");
    }
    outputs.add(valueInfo(name, dtype, dims));
    outputNames.add(name);
    return this;
  }

  /**
   * Adds a constant tensor to the graph ({@code GraphProto.initializer}), written as {@code
   * raw_data} (or {@code string_data}).
   *
   * @param name a name no other initializer or node output uses
   * @param value the tensor; tensors are immutable, so it is not copied
   * @return this builder
   */
  public OnnxModelBuilder initializer(String name, Tensor value) {
    checkName(name, "initializer");
    Objects.requireNonNull(value, "value");
    if (initializers.containsKey(name) || (defined.contains(name) && !inputNames.contains(name))) {
      throw new InvalidInputException("initializer '" + name + "' is already defined");
    }
    initializers.put(name, value);
    defined.add(name);
    return this;
  }

  /**
   * Adds a node of the default domain with no attributes.
   *
   * @param opType the operator, for example {@code "MatMul"}
   * @param inputs the names of its inputs, each defined earlier, or {@code ""} for an omitted
   *     optional input
   * @param outputs the names of its outputs, not defined before, or {@code ""} for an omitted
   *     optional output
   * @return this builder
   */
  public OnnxModelBuilder node(String opType, List<String> inputs, List<String> outputs) {
    return node("", opType, inputs, outputs, Map.of());
  }

  /**
   * Adds a node of the default domain with attributes.
   *
   * @param opType the operator, for example {@code "Gemm"}
   * @param inputs as for {@link #node(String, List, List)}
   * @param outputs as for {@link #node(String, List, List)}
   * @param attributes by name; each value an {@code Integer} or {@code Long} (INT), a {@code
   *     Float} or {@code Double} (FLOAT), a {@code String} (STRING), a {@code long[]} or {@code
   *     int[]} (INTS), a {@code float[]} or {@code double[]} (FLOATS), or a {@link Tensor} (TENSOR).
   *     Written in name order, so any map gives the same bytes
   * @return this builder
   */
  public OnnxModelBuilder node(
      String opType, List<String> inputs, List<String> outputs, Map<String, ?> attributes) {
    return node("", opType, inputs, outputs, attributes);
  }

  /**
   * Adds a node of any operator domain with attributes. Remember to import the domain with {@link
   * #opset(String, long)}.
   *
   * @param domain the operator's domain, {@code ""} for the default
   * @param opType the operator
   * @param inputs as for {@link #node(String, List, List)}
   * @param outputs as for {@link #node(String, List, List)}
   * @param attributes as for {@link #node(String, List, List, Map)}
   * @return this builder
   */
  public OnnxModelBuilder node(
      String domain, String opType, List<String> inputs, List<String> outputs, Map<String, ?> attributes) {
    Objects.requireNonNull(domain, "domain");
    checkName(opType, "op type");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(attributes, "attributes");
    String nodeName = opType + "_" + nodes.size();
    for (String in : inputs) {
      Objects.requireNonNull(in, "node input");
      if (!in.isEmpty() && !defined.contains(in)) {
        throw new InvalidInputException("node " + nodeName + " reads '" + in
            + "', which no earlier input, initializer or node defines");
      }
    }
    if (outputs.isEmpty()) {
      throw new InvalidInputException("node " + nodeName + " has no outputs");
    }
    Set<String> fresh = new HashSet<>();
    for (String out : outputs) {
      Objects.requireNonNull(out, "node output");
      if (!out.isEmpty() && (defined.contains(out) || !fresh.add(out))) {
        throw new InvalidInputException("node " + nodeName + " writes '" + out + "', which is already defined");
      }
    }
    ProtoWriter node = new ProtoWriter();
    for (String in : inputs) {
      node.string(1, in);
    }
    for (String out : outputs) {
      node.string(2, out);
    }
    node.string(3, nodeName);
    node.string(4, opType);
    for (Map.Entry<String, ?> a : new TreeMap<String, Object>(attributes).entrySet()) {
      node.message(5, attribute(nodeName, a.getKey(), a.getValue()));
    }
    if (!domain.isEmpty()) {
      node.string(7, domain);
    }
    nodes.add(node);
    defined.addAll(fresh);
    return this;
  }

  /**
   * Serializes the model.
   *
   * @return the {@code ModelProto} bytes, ready for ONNX Runtime or a {@code .onnx} file
   * @throws InvalidInputException if the graph has no output, or an output is never defined
   */
  public byte[] build() {
    if (outputNames.isEmpty()) {
      throw new InvalidInputException("the model has no outputs; declare at least one with output(...)");
    }
    for (String out : outputNames) {
      if (!defined.contains(out)) {
        throw new InvalidInputException("output '" + out + "' is not defined by any input, initializer or node");
      }
    }
    ProtoWriter graph = new ProtoWriter();
    for (ProtoWriter node : nodes) {
      graph.message(1, node);
    }
    graph.string(2, graphName);
    for (Map.Entry<String, Tensor> init : initializers.entrySet()) {
      graph.message(5, TensorProtos.encode(init.getKey(), init.getValue()));
    }
    for (ProtoWriter in : inputs) {
      graph.message(11, in);
    }
    for (ProtoWriter out : outputs) {
      graph.message(12, out);
    }

    ProtoWriter model = new ProtoWriter();
    model.int64(1, irVersion);
    model.string(2, producerName);
    model.message(7, graph);
    Map<String, Long> imports = new LinkedHashMap<>();
    imports.put("", DEFAULT_OPSET);
    imports.putAll(opsets);
    for (Map.Entry<String, Long> opset : imports.entrySet()) {
      model.message(8, new ProtoWriter().string(1, opset.getKey()).int64(2, opset.getValue()));
    }
    return model.toByteArray();
  }

  /**
   * Serializes the model into a file, replacing it if it exists.
   *
   * @param file where to write; its directory must exist
   * @return {@code file}
   * @throws UncheckedIOException if the file cannot be written
   */
  public Path writeTo(Path file) {
    Objects.requireNonNull(file, "file");
    byte[] bytes = build();
    try {
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write model to " + file, e);
    }
  }

  // ---------------------------------------------------------------- encoding helpers

  private static void checkName(String name, String what) {
    Objects.requireNonNull(name, what);
    if (name.isEmpty()) {
      throw new InvalidInputException(what + " name must not be empty");
    }
  }

  private static ProtoWriter valueInfo(String name, DType dtype, Object[] dims) {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(dims, "dims");
    ProtoWriter shape = new ProtoWriter();
    for (int i = 0; i < dims.length; i++) {
      Object d = dims[i];
      ProtoWriter dim = new ProtoWriter();
      if (d instanceof Integer || d instanceof Long) {
        long size = ((Number) d).longValue();
        if (size < 0) {
          throw new InvalidInputException("'" + name + "' dimension " + i + " is negative: " + size);
        }
        dim.int64(1, size);
      } else if (d instanceof String && !((String) d).isEmpty()) {
        dim.string(2, (String) d);
      } else {
        throw new InvalidInputException("'" + name + "' dimension " + i + " must be an Integer or Long size"
            + " or a non-empty String name, got " + describe(d));
      }
      shape.message(1, dim);
    }
    ProtoWriter tensorType = new ProtoWriter().int64(1, OnnxTypes.toOnnx(dtype)).message(2, shape);
    ProtoWriter type = new ProtoWriter().message(1, tensorType);
    return new ProtoWriter().string(1, name).message(2, type);
  }

  private static ProtoWriter attribute(String nodeName, String name, Object value) {
    checkName(name, "attribute");
    ProtoWriter a = new ProtoWriter().string(1, name);
    int type;
    if (value instanceof Integer || value instanceof Long) {
      a.int64(3, ((Number) value).longValue());
      type = ATTR_INT;
    } else if (value instanceof Float || value instanceof Double) {
      a.float32(2, ((Number) value).floatValue());
      type = ATTR_FLOAT;
    } else if (value instanceof String) {
      a.string(4, (String) value);
      type = ATTR_STRING;
    } else if (value instanceof Tensor) {
      a.message(5, TensorProtos.encode("", (Tensor) value));
      type = ATTR_TENSOR;
    } else if (value instanceof long[] || value instanceof int[]) {
      long[] ints = value instanceof long[] ? (long[]) value : Arrays.stream((int[]) value).asLongStream().toArray();
      for (long v : ints) { // proto2 repeated, not packed: written one by one, as onnx does
        a.int64(8, v);
      }
      type = ATTR_INTS;
    } else if (value instanceof float[]) {
      for (float v : (float[]) value) {
        a.float32(7, v);
      }
      type = ATTR_FLOATS;
    } else if (value instanceof double[]) {
      for (double v : (double[]) value) {
        a.float32(7, (float) v);
      }
      type = ATTR_FLOATS;
    } else {
      throw new InvalidInputException("attribute '" + name + "' of node " + nodeName + " has unsupported type "
          + describe(value) + "; use Integer/Long, Float/Double, String, long[]/int[], float[]/double[] or Tensor");
    }
    return a.int64(20, type);
  }

  private static String describe(Object o) {
    return o == null ? "null" : o.getClass().getSimpleName() + " " + o;
  }
}
