package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceRequestTest {
  private static final Tensor X = Tensor.of(new float[] {1, 2});
  private static final Tensor Y = Tensor.of(new int[] {3});
  private static final Tensor Z = Tensor.of(new String[] {"z"});

  @Test
  void singleInput() {
    InferenceRequest r = InferenceRequest.of("x", X);
    assertEquals(Map.of("x", X), r.inputs());
    assertSame(X, r.input("x"));
    assertNull(r.input("y"));
  }

  @Test
  void aNullNameIsAbsentWithOneInputOrSeveral() {
    assertNull(InferenceRequest.of("x", X).input(null));
    assertNull(InferenceRequest.builder().input("x", X).input("y", Y).build().input(null));
  }

  @Test
  void builderKeepsInsertionOrder() {
    InferenceRequest r = InferenceRequest.builder().input("z", Z).input("x", X).input("y", Y).build();
    assertEquals(List.of("z", "x", "y"), List.copyOf(r.inputs().keySet()));
    assertEquals(List.of(Z, X, Y), List.copyOf(r.inputs().values()));
  }

  @Test
  void ofMapKeepsTheMapsOrderAndCopiesIt() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("y", Y);
    m.put("x", X);
    m.put("z", Z);
    InferenceRequest r = InferenceRequest.of(m);
    m.put("w", X);
    m.remove("y");
    assertEquals(List.of("y", "x", "z"), List.copyOf(r.inputs().keySet()));
  }

  @Test
  void duplicateNamesAreRejected() {
    InferenceRequest.Builder b = InferenceRequest.builder().input("x", X);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> b.input("x", Y));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    assertSame(X, b.build().input("x"), "the first input stays");
  }

  @Test
  void namesAndTensorsAreRequired() {
    assertThrows(InvalidInputException.class, () -> InferenceRequest.of("", X));
    assertThrows(InvalidInputException.class, () -> InferenceRequest.of(null, X));
    assertThrows(NullPointerException.class, () -> InferenceRequest.of("x", null));
  }

  @Test
  void requestsAreUnmodifiableAndIndependentOfTheirBuilder() {
    InferenceRequest.Builder b = InferenceRequest.builder().input("x", X);
    InferenceRequest first = b.build();
    b.input("y", Y);
    InferenceRequest second = b.build();
    assertEquals(List.of("x"), List.copyOf(first.inputs().keySet()));
    assertEquals(List.of("x", "y"), List.copyOf(second.inputs().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> first.inputs().put("z", Z));
    assertThrows(UnsupportedOperationException.class, () -> first.inputs().remove("x"));
  }

  @Test
  void toStringNamesTheInputs() {
    assertTrue(InferenceRequest.of("pixels", X).toString().contains("pixels"));
  }
}
