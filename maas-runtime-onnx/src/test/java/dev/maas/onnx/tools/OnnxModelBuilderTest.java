package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelBuilderTest {

  @Test
  void everyAttributeKindReachesOnnxRuntime() throws Exception {
    byte[] model = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, "batch", 2)
        .initializer("W", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2))
        .initializer("pads", Tensor.of(new long[] {0, 1, 0, 1}))
        .node("Constant", List.of(), List.of("f"), Map.of("value_float", 1.5f))
        .node("Constant", List.of(), List.of("i"), Map.of("value_int", 7))
        .node("Constant", List.of(), List.of("fs"), Map.of("value_floats", new float[] {1, 2}))
        .node("Constant", List.of(), List.of("is"), Map.of("value_ints", new long[] {3, 4}))
        .node("Constant", List.of(), List.of("s"), Map.of("value_string", "héllo"))
        .node("Constant", List.of(), List.of("t"), Map.of("value", Tensor.of(new int[] {5, 6, 7, 8}, 2, 2)))
        // Gemm: alpha as a Double (FLOAT), transB as an Integer (INT): y = 2 * x · Wᵀ
        .node("Gemm", List.of("x", "W"), List.of("g"), Map.of("alpha", 2.0, "transB", 1))
        // Transpose: perm as int[] (INTS)
        .node("Transpose", List.of("t"), List.of("tt"), Map.of("perm", new int[] {1, 0}))
        // Pad: mode as a String; "reflect" gives a different answer from the default "constant"
        .node("Pad", List.of("x", "pads"), List.of("p"), Map.of("mode", "reflect"))
        .output("f", DType.FLOAT32)
        .output("i", DType.INT64)
        .output("fs", DType.FLOAT32, 2)
        .output("is", DType.INT64, 2)
        .output("s", DType.STRING)
        .output("tt", DType.INT32, 2, 2)
        .output("g", DType.FLOAT32, "batch", 2)
        .output("p", DType.FLOAT32, "batch", 4)
        .build();
    try (OrtSession session = Ort.session(model);
        OnnxTensor x = Ort.toOrt(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        OrtSession.Result r = session.run(Map.of("x", x))) {
      assertEquals(1.5f, ((float) value(r, "f")));
      assertEquals(7L, ((long) value(r, "i")));
      assertArrayEquals(new float[] {1, 2}, (float[]) value(r, "fs"));
      assertArrayEquals(new long[] {3, 4}, (long[]) value(r, "is"));
      assertEquals("héllo", value(r, "s"));
      assertEquals(Tensor.of(new int[] {5, 7, 6, 8}, 2, 2), Ort.fromOrt(r.get("tt").get()));
      // [1,2]·Wᵀ = [1*1+2*2, 1*3+2*4] = [5, 11], times 2
      assertEquals(Tensor.of(new float[] {10, 22, 22, 50}, 2, 2), Ort.fromOrt(r.get("g").get()));
      assertEquals(Tensor.of(new float[] {2, 1, 2, 1, 4, 3, 4, 3}, 2, 4), Ort.fromOrt(r.get("p").get()));
    }
  }

  @Test
  void symbolicAndFixedDimsReachOnnxRuntime() throws Exception {
    byte[] model = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, "batch", 4L, "seq")
        .node("Identity", List.of("x"), List.of("y"))
        .output("y", DType.FLOAT32, "batch", 4, "seq")
        .build();
    try (OrtSession session = Ort.session(model)) {
      TensorInfo info = (TensorInfo) session.getInputInfo().get("x").getInfo();
      assertArrayEquals(new long[] {-1, 4, -1}, info.getShape());
      assertArrayEquals(new String[] {"batch", "", "seq"}, info.getDimensionNames());
      assertEquals(TensorInfo.OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, info.onnxType);
    }
  }

  @Test
  void anInputWithAnInitializerTakesItsDefault() throws Exception {
    byte[] model = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, 2)
        .input("bias", DType.FLOAT32, 2)
        .initializer("bias", Tensor.of(new float[] {10, 20}))
        .node("Add", List.of("x", "bias"), List.of("y"))
        .output("y", DType.FLOAT32, 2)
        .build();
    try (OrtSession session = Ort.session(model)) {
      Tensor x = Tensor.of(new float[] {1, 2});
      assertEquals(Tensor.of(new float[] {11, 22}), Ort.run(session, Map.of("x", x)).get("y"));
      // ORT lists such an input as an overridable initializer, not an input, and its Java API
      // refuses a value for it: "Unexpected number of inputs, expected [1,1) found 2".
      assertEquals(java.util.Set.of("x"), session.getInputNames());
      OrtException e = assertThrows(OrtException.class, () -> Ort.run(session, Map.of("x", x, "bias", x)));
      assertTrue(e.getMessage().contains("Unexpected number of inputs"), e.getMessage());
    }
  }

  @Test
  void theSameCallsGiveTheSameBytesWhateverTheAttributeOrder() {
    Map<String, Object> forward = new LinkedHashMap<>();
    forward.put("alpha", 1.0f);
    forward.put("beta", 0.5f);
    forward.put("transB", 1L);
    Map<String, Object> backward = new LinkedHashMap<>();
    backward.put("transB", 1L);
    backward.put("beta", 0.5f);
    backward.put("alpha", 1.0f);
    assertArrayEquals(gemm(forward).build(), gemm(backward).build());
    OnnxModelBuilder b = gemm(forward);
    assertArrayEquals(b.build(), b.build());
  }

  private static OnnxModelBuilder gemm(Map<String, Object> attributes) {
    return OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, "batch", 2)
        .initializer("W", Tensor.of(new float[4], 2, 2))
        .node("Gemm", List.of("x", "W"), List.of("y"), attributes)
        .output("y", DType.FLOAT32, "batch", 2);
  }

  @Test
  void modelFieldsAreWhereOnnxProtoSaysTheyAre() {
    byte[] model = OnnxModelBuilder.create().irVersion(9).opset(18).opset("com.microsoft", 1)
        .producerName("test").graphName("g")
        .input("x", DType.INT64, 3)
        .node("Identity", List.of("x"), List.of("y"))
        .output("y", DType.INT64, 3)
        .build();
    ProtoReader r = new ProtoReader(model, "ModelProto");
    long ir = 0;
    String producer = null;
    Map<String, Long> opsets = new LinkedHashMap<>();
    List<String> graphFields = new ArrayList<>();
    while (r.hasRemaining()) {
      switch (r.readTag()) {
        case 1: ir = r.readInt64(); break;
        case 2: producer = r.readString(); break;
        case 7: {
          ProtoReader g = r.readMessage("graph");
          while (g.hasRemaining()) {
            int f = g.readTag();
            graphFields.add(f == 2 ? "name=" + g.readString() : String.valueOf(f));
            if (f != 2) {
              g.skipField();
            }
          }
          break;
        }
        case 8: {
          ProtoReader o = r.readMessage("opset");
          String domain = null;
          long version = 0;
          while (o.hasRemaining()) {
            if (o.readTag() == 1) {
              domain = o.readString();
            } else {
              version = o.readInt64();
            }
          }
          opsets.put(domain, version);
          break;
        }
        default: r.skipField();
      }
    }
    assertEquals(9, ir);
    assertEquals("test", producer);
    assertEquals(Map.of("", 18L, "com.microsoft", 1L), opsets);
    assertEquals(List.of("1", "name=g", "11", "12"), graphFields);
  }

  @Test
  void writeToWritesAFileOnnxRuntimeLoads(@TempDir Path dir) throws Exception {
    Path file = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, "batch", 3)
        .node("Relu", List.of("x"), List.of("y"))
        .output("y", DType.FLOAT32, "batch", 3)
        .writeTo(dir.resolve("relu.onnx"));
    assertTrue(Files.size(file) > 0);
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = Ort.ENV.createSession(file.toString(), options)) {
      assertEquals(Tensor.of(new float[] {0, 2, 0}, 1, 3),
          Ort.run(session, Map.of("x", Tensor.of(new float[] {-1, 2, -3}, 1, 3))).get("y"));
    }
  }

  @Test
  void anIrVersionNewerThanTheRuntimeKnowsFailsToLoad() {
    byte[] model = OnnxModelBuilder.create().irVersion(99)
        .input("x", DType.FLOAT32, 1).node("Identity", List.of("x"), List.of("y")).output("y", DType.FLOAT32, 1)
        .build();
    OrtException e = assertThrows(OrtException.class, () -> Ort.session(model).close());
    assertTrue(e.getMessage().toLowerCase().contains("ir version"), e.getMessage());
  }

  @Test
  void mistakesAreRejectedWhereTheyAreMade() {
    OnnxModelBuilder b = OnnxModelBuilder.create().input("x", DType.FLOAT32, "batch", 2);
    assertRejected("input 'x' is already defined", () -> b.input("x", DType.FLOAT32));
    assertRejected("reads 'nope', which no earlier", () -> b.node("Relu", List.of("nope"), List.of("y")));
    assertRejected("writes 'x', which is already defined", () -> b.node("Relu", List.of("x"), List.of("x")));
    assertRejected("writes 'y', which is already defined", () -> b.node("Split", List.of("x"), List.of("y", "y")));
    assertRejected("has no outputs", () -> b.node("Relu", List.of("x"), List.of()));
    assertRejected("dimension 0 is negative", () -> b.output("z", DType.FLOAT32, -1));
    assertRejected("dimension 1 must be an Integer or Long size or a non-empty String name, got Double 2.0",
        () -> b.output("z", DType.FLOAT32, 1, 2.0));
    assertRejected("dimension 0 must be", () -> b.output("z", DType.FLOAT32, ""));
    assertRejected("attribute 'axis' of node Relu_0 has unsupported type Boolean true",
        () -> b.node("Relu", List.of("x"), List.of("r"), Map.of("axis", true)));
    assertRejected("IR version must be at least 3", () -> b.irVersion(2));
    assertRejected("opset version must be at least 1", () -> b.opset(0));
    assertRejected("input name must not be empty", () -> b.input("", DType.FLOAT32));
    assertRejected("the model has no outputs", b::build);
    b.node("Relu", List.of("x"), List.of("r")).output("r", DType.FLOAT32, "batch", 2);
    assertRejected("output 'r' is declared twice", () -> b.output("r", DType.FLOAT32));
    assertRejected("initializer 'r' is already defined", () -> b.initializer("r", Tensor.of(new float[1])));
    b.output("later", DType.FLOAT32);
    assertRejected("output 'later' is not defined", b::build);
    b.node("Identity", List.of("r"), List.of("later"));
    assertTrue(b.build().length > 0);
    assertThrows(NullPointerException.class, () -> b.node("Relu", null, List.of("q")));
  }

  @Test
  void omittedOptionalInputsAndOutputsAreEmptyNames() throws Exception {
    byte[] model = OnnxModelBuilder.create()
        .input("x", DType.FLOAT32, 4)
        .initializer("max", scalar(2f))
        .node("Clip", List.of("x", "", "max"), List.of("y"))
        .output("y", DType.FLOAT32, 4)
        .build();
    try (OrtSession session = Ort.session(model)) {
      assertEquals(Tensor.of(new float[] {-5, 1, 2, 2}),
          Ort.run(session, Map.of("x", Tensor.of(new float[] {-5, 1, 2, 3}))).get("y"));
    }
  }

  private static Tensor scalar(float v) {
    ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, v);
    return Tensor.copyOf(DType.FLOAT32, b);
  }

  private static Object value(OrtSession.Result r, String name) throws OrtException {
    OnnxValue v = r.get(name).orElseThrow();
    return v.getValue();
  }

  private static void assertRejected(String expected, Runnable call) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call::run);
    assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
  }
}
