package dev.maas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelSignatureTest {
  private static final TensorSpec IMAGE = new TensorSpec("image", DType.FLOAT32,
      List.of(Dimension.dynamic("batch"), Dimension.fixed(3), Dimension.dynamic(null), Dimension.fixed(4)));
  private static final TensorSpec MASK = new TensorSpec("mask", DType.BOOL, List.of(Dimension.fixed(2)));
  private static final TensorSpec ANY = new TensorSpec("extra", DType.INT64, null);
  private static final TensorSpec OUT = new TensorSpec("logits", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.fixed(10)));
  private static final ModelSignature SIG = new ModelSignature(List.of(IMAGE, MASK, ANY), List.of(OUT));

  private static Tensor floats(long... shape) {
    return Tensor.zeros(DType.FLOAT32, shape);
  }

  private static Map<String, Tensor> valid() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("image", floats(5, 3, 7, 4));
    m.put("mask", Tensor.of(new boolean[] {true, false}));
    m.put("extra", Tensor.of(new long[] {1, 2, 3}));
    return m;
  }

  private static String rejection(Map<String, Tensor> given) {
    return assertThrows(InvalidInputException.class, () -> SIG.validate(given)).getMessage();
  }

  @Test
  void acceptsMatchingInputs() {
    assertDoesNotThrow(() -> SIG.validate(valid()));
  }

  @Test
  void unknownInputIsRejectedByName() {
    Map<String, Tensor> m = valid();
    m.put("imag", floats(1));
    String msg = rejection(m);
    assertTrue(msg.contains("unknown input 'imag'"), msg);
    assertTrue(msg.contains("image") && msg.contains("mask") && msg.contains("extra"), "lists what the model takes: " + msg);
  }

  @Test
  void missingInputIsRejectedByName() {
    Map<String, Tensor> m = valid();
    m.remove("mask");
    String msg = rejection(m);
    assertTrue(msg.contains("missing input 'mask'"), msg);
    assertTrue(msg.contains("bool[2]"), "says what is expected: " + msg);
    assertTrue(rejection(Map.of()).contains("missing input 'image'"));
  }

  @Test
  void wrongDtypeIsRejectedByName() {
    Map<String, Tensor> m = valid();
    m.put("image", Tensor.zeros(DType.FLOAT64, 5, 3, 7, 4));
    String msg = rejection(m);
    assertTrue(msg.contains("'image'") && msg.contains("float32") && msg.contains("float64"), msg);
    // Unknown rank still checks the dtype.
    Map<String, Tensor> n = valid();
    n.put("extra", Tensor.of(new int[] {1}));
    String msg2 = rejection(n);
    assertTrue(msg2.contains("'extra'") && msg2.contains("int64") && msg2.contains("int32"), msg2);
  }

  @Test
  void wrongRankIsRejectedByName() {
    Map<String, Tensor> m = valid();
    m.put("image", floats(5, 3, 7));
    String msg = rejection(m);
    assertTrue(msg.contains("'image'") && msg.contains("rank 4") && msg.contains("rank 3"), msg);
    m.put("image", floats(1, 5, 3, 7, 4));
    assertTrue(rejection(m).contains("rank 5"));
    m.put("image", Tensor.zeros(DType.FLOAT32));
    assertTrue(rejection(m).contains("rank 0"));
  }

  @Test
  void wrongFixedDimensionIsRejectedByName() {
    Map<String, Tensor> m = valid();
    m.put("image", floats(5, 2, 7, 4));
    String msg = rejection(m);
    assertTrue(msg.contains("'image' dimension 1 must be 3") && msg.contains("is 2"), msg);
    m.put("image", floats(5, 3, 7, 5));
    assertTrue(rejection(m).contains("dimension 3 must be 4"));
    Map<String, Tensor> n = valid();
    n.put("mask", Tensor.of(new boolean[] {true, false, true}));
    assertTrue(rejection(n).contains("'mask' dimension 0 must be 2"));
  }

  @Test
  void dynamicDimensionsAcceptAnySize() {
    for (long batch : new long[] {0, 1, 2, 1000}) {
      for (long free : new long[] {0, 1, 9}) {
        Map<String, Tensor> m = valid();
        m.put("image", floats(batch, 3, free, 4));
        assertDoesNotThrow(() -> SIG.validate(m), batch + "x3x" + free + "x4");
      }
    }
  }

  @Test
  void unknownRankAcceptsAnyRank() {
    for (long[] shape : new long[][] {{}, {0}, {3}, {1, 1}, {2, 0, 2}, {1, 1, 1, 1, 1, 1}}) {
      Map<String, Tensor> m = valid();
      m.put("extra", Tensor.zeros(DType.INT64, shape));
      assertDoesNotThrow(() -> SIG.validate(m), Arrays.toString(shape));
    }
  }

  @Test
  void fixedZeroDimensionNeedsZero() {
    TensorSpec empty = new TensorSpec("e", DType.FLOAT32, List.of(Dimension.fixed(0)));
    assertDoesNotThrow(() -> empty.check(floats(0)));
    assertThrows(InvalidInputException.class, () -> empty.check(floats(1)));
  }

  @Test
  void scalarSpecAcceptsOnlyScalars() {
    TensorSpec scalar = new TensorSpec("s", DType.FLOAT32, List.of());
    assertDoesNotThrow(() -> scalar.check(Tensor.zeros(DType.FLOAT32)));
    assertThrows(InvalidInputException.class, () -> scalar.check(floats(1)));
  }

  @Test
  void validateRejectsNull() {
    assertThrows(NullPointerException.class, () -> SIG.validate(null));
  }

  @Test
  void lookupByName() {
    assertEquals(Optional.of(MASK), SIG.input("mask"));
    assertEquals(Optional.empty(), SIG.input("logits"));
    assertEquals(Optional.of(OUT), SIG.output("logits"));
    assertEquals(Optional.empty(), SIG.output("mask"));
  }

  @Test
  void listsAreCopiedAndUnmodifiable() {
    List<TensorSpec> in = new ArrayList<>(List.of(IMAGE));
    List<Dimension> dims = new ArrayList<>(List.of(Dimension.fixed(1)));
    TensorSpec spec = new TensorSpec("x", DType.FLOAT32, dims);
    ModelSignature sig = new ModelSignature(in, List.of());
    in.add(MASK);
    dims.add(Dimension.fixed(2));
    assertEquals(List.of(IMAGE), sig.inputs());
    assertEquals(List.of(Dimension.fixed(1)), spec.shape());
    assertThrows(UnsupportedOperationException.class, () -> sig.inputs().add(MASK));
    assertThrows(UnsupportedOperationException.class, () -> spec.shape().add(Dimension.fixed(1)));
  }

  @Test
  void specRequiresNameAndDtype() {
    assertThrows(NullPointerException.class, () -> new TensorSpec(null, DType.FLOAT32, null));
    assertThrows(NullPointerException.class, () -> new TensorSpec("x", null, null));
    assertNull(new TensorSpec("x", DType.FLOAT32, null).shape());
  }

  @Test
  void specToString() {
    assertEquals("image: float32[batch, 3, ?, 4]", IMAGE.toString());
    assertEquals("extra: int64[*]", ANY.toString());
    assertTrue(IMAGE.hasShape());
    assertTrue(!ANY.hasShape());
  }

  @Test
  void dimensionRules() {
    assertEquals(new Dimension(4, null), new Dimension(4, "ignored"), "a fixed dimension has no symbol");
    assertNull(new Dimension(4, "ignored").symbol());
    assertEquals("batch", Dimension.dynamic("batch").symbol());
    assertEquals(-1, Dimension.dynamic(null).size());
    assertTrue(Dimension.fixed(0).isFixed());
    assertTrue(!Dimension.dynamic("n").isFixed());
    assertThrows(IllegalArgumentException.class, () -> new Dimension(-2, null));
    assertThrows(IllegalArgumentException.class, () -> Dimension.fixed(-1));
    assertEquals("4", Dimension.fixed(4).toString());
    assertEquals("n", Dimension.dynamic("n").toString());
    assertEquals("?", Dimension.dynamic(null).toString());
  }
}
