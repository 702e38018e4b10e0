package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SampleModelsTest {

  @ParameterizedTest
  @CsvSource({
    "1, 1, 1, 0, 1",
    "4, 8, 3, 42, 1",
    "4, 8, 3, 42, 7",
    "16, 64, 10, 7, 32",
    "300, 200, 50, -1, 5",
    "4, 8, 3, 42, 0",
  })
  void mlpMatchesItsPlainJavaReference(int inputs, int hidden, int outputs, long seed, int batch) throws Exception {
    Tensor x = randomFloats(new Random(seed + batch), batch, inputs);
    Tensor expected = SampleModels.mlpReference(inputs, hidden, outputs, seed, x);
    try (OrtSession session = Ort.session(SampleModels.mlp(inputs, hidden, outputs, seed))) {
      Tensor actual = Ort.run(session, Map.of("x", x)).get("y");
      assertArrayEquals(new long[] {batch, outputs}, actual.shape());
      float[] a = actual.toFloatArray();
      float[] e = expected.toFloatArray();
      for (int i = 0; i < e.length; i++) {
        float tolerance = 1e-5f + 1e-4f * Math.abs(e[i]);
        assertEquals(e[i], a[i], tolerance, "element " + i);
      }
    }
  }

  @Test
  void mlpIsDeterministicAndSeeded() {
    assertArrayEquals(SampleModels.mlp(3, 5, 2, 9), SampleModels.mlp(3, 5, 2, 9));
    assertFalse(java.util.Arrays.equals(SampleModels.mlp(3, 5, 2, 9), SampleModels.mlp(3, 5, 2, 10)));
    Tensor x = randomFloats(new Random(1), 2, 3);
    assertFalse(SampleModels.mlpReference(3, 5, 2, 9, x).equals(SampleModels.mlpReference(3, 5, 2, 10, x)));
  }

  @Test
  void mlpDeclaresADynamicBatch() throws Exception {
    try (OrtSession session = Ort.session(SampleModels.mlp(4, 8, 3, 1))) {
      TensorInfo in = (TensorInfo) session.getInputInfo().get("x").getInfo();
      TensorInfo out = (TensorInfo) session.getOutputInfo().get("y").getInfo();
      assertArrayEquals(new long[] {-1, 4}, in.getShape());
      assertArrayEquals(new long[] {-1, 3}, out.getShape());
      assertEquals("batch", in.getDimensionNames()[0]);
    }
  }

  @Test
  void mlpArgumentsAreChecked() {
    assertThrows(InvalidInputException.class, () -> SampleModels.mlp(0, 1, 1, 0));
    assertThrows(InvalidInputException.class, () -> SampleModels.mlp(1 << 15, 1 << 15, 1, 0));
    assertThrows(InvalidInputException.class,
        () -> SampleModels.mlpReference(4, 8, 3, 0, Tensor.of(new float[6], 2, 3)));
    assertThrows(InvalidInputException.class,
        () -> SampleModels.mlpReference(4, 8, 3, 0, Tensor.of(new double[8], 2, 4)));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void identityLoadsForEveryDTypeAndRunsWhereOrtJavaCanMakeTheInput(DType dtype) throws Exception {
    try (OrtSession session = Ort.session(SampleModels.identity(dtype))) {
      TensorInfo in = (TensorInfo) session.getInputInfo().get("x").getInfo();
      TensorInfo out = (TensorInfo) session.getOutputInfo().get("y").getInfo();
      assertEquals(dtype, OnnxTypes.fromOnnxName(in.onnxType.name()));
      assertEquals(dtype, OnnxTypes.fromOnnxName(out.onnxType.name()));
      assertArrayEquals(new long[] {-1, 3}, in.getShape());
      assertArrayEquals(new String[] {"batch", ""}, in.getDimensionNames());
      if (!Ort.canCreate(dtype)) {
        return; // ORT's Java API has no way to create uint16/uint32/uint64 tensors
      }
      Tensor x = sample(dtype, 2, 3);
      assertEquals(x, Ort.run(session, Map.of("x", x)).get("y"));
    }
  }

  @Test
  void ortJavaCannotCreateUnsignedWideInputs() {
    for (DType dtype : List.of(DType.UINT16, DType.UINT32, DType.UINT64)) {
      assertFalse(Ort.canCreate(dtype));
      assertThrows(UnsupportedOperationException.class, () -> Ort.toOrt(sample(dtype, 1, 3)));
    }
  }

  @Test
  void twoInTwoOutComputesSumAndPassesTheIntegersThrough() throws Exception {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
    Tensor b = Tensor.of(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 2, 2);
    try (OrtSession session = Ort.session(SampleModels.twoInTwoOut())) {
      Map<String, Tensor> out = Ort.run(session, Map.of("a", a, "b", b));
      assertEquals(List.of("sum", "b_out"), List.copyOf(out.keySet()));
      assertEquals(Tensor.of(new float[] {2, 4, 6, 8, 10, 12, 14, 16}, 2, 4), out.get("sum"));
      assertEquals(b, out.get("b_out"));
    }
  }

  @Test
  void fixedShapeDoublesItsInputAndRefusesOtherShapes() throws Exception {
    try (OrtSession session = Ort.session(SampleModels.fixedShape())) {
      TensorInfo in = (TensorInfo) session.getInputInfo().get("x").getInfo();
      assertArrayEquals(new long[] {2, 3}, in.getShape());
      Tensor x = Tensor.of(new float[] {1, -2, 3, -4, 5, -6}, 2, 3);
      assertEquals(Tensor.of(new float[] {2, -4, 6, -8, 10, -12}, 2, 3), Ort.run(session, Map.of("x", x)).get("y"));
      OrtException e = assertThrows(OrtException.class,
          () -> Ort.run(session, Map.of("x", Tensor.of(new float[9], 3, 3))));
      assertTrue(e.getMessage().contains("dimensions"), e.getMessage());
    }
  }

  static Tensor randomFloats(Random random, long... shape) {
    float[] v = new float[(int) Tensor.elementCount(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return Tensor.of(v, shape);
  }

  /** A tensor of {@code dtype} with distinct, valid values (no NaN payload games). */
  static Tensor sample(DType dtype, long... shape) {
    int n = (int) Tensor.elementCount(shape);
    if (dtype == DType.STRING) {
      String[] s = new String[n];
      for (int i = 0; i < n; i++) {
        s[i] = "s" + i + (i % 2 == 0 ? "é✓" : "");
      }
      return Tensor.of(s, shape);
    }
    ByteBuffer b = ByteBuffer.allocateDirect(n * dtype.byteSize()).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32: b.putFloat(i - 1.5f); break;
        case FLOAT64: b.putDouble(i - 1.25); break;
        case FLOAT16: b.putShort((short) (0x3C00 + i)); break; // 1.0 and up
        case BFLOAT16: b.putShort((short) (0x3F80 + i)); break; // 1.0 and up
        case BOOL: b.put((byte) (i % 2)); break;
        case INT8: case UINT8: b.put((byte) (i * 37 - 100)); break;
        case INT16: case UINT16: b.putShort((short) (i * 9001 - 20000)); break;
        case INT32: case UINT32: b.putInt(i * 1_000_003 - 2_000_000); break;
        case INT64: case UINT64: b.putLong(i * 1_000_000_000_007L - 3); break;
        default: throw new AssertionError(dtype);
      }
    }
    b.flip();
    return Tensor.wrap(dtype, b, shape);
  }
}
