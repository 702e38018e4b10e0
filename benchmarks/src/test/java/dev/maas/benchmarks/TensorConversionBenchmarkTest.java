package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.maas.Tensor;
import java.lang.reflect.Array;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every dtype {@link TensorConversionBenchmark} measures makes the whole trip both ways: maas's
 * round trip and the raw one give back the array they started from (float16 within half precision),
 * so the two benchmarks time the same work.
 */
class TensorConversionBenchmarkTest {

  /**
   * DJL's engine creates ONNX Runtime's environment with thread options of its own and fails once
   * another has been created; the tests share one JVM, so DJL goes first whatever the test order.
   */
  @BeforeAll
  static void djlCreatesTheEnvironmentFirst() {
    new DjlSubject(BenchModel.of("identity"), new OrtSettings(1)).close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16", "string"})
  void maasAndRawRoundTripsGiveBackTheArray(String dtype) throws OrtException {
    TensorConversionBenchmark.Data d = new TensorConversionBenchmark.Data();
    d.dtype = dtype;
    d.elements = 300;
    d.setUp();
    try {
      TensorConversionBenchmark b = new TensorConversionBenchmark();
      Object maas = b.maasRoundTrip(d);
      Object raw = b.rawRoundTrip(d);
      assertSameElements(d.array, maas, dtype + " through maas");
      assertSameElements(d.array, raw, dtype + " through raw ONNX Runtime");
      Tensor t = b.fromOnnx(d);
      assertEquals(d.type, t.dtype());
      assertEquals(300, t.elementCount());
      assertSameElements(d.array, b.toArray(d), dtype + " tensor to array");
      assertEquals(300L, b.toOnnx(d));
      assertEquals(d.tensor.dtype(), b.ofArray(d).dtype());
    } finally {
      d.tearDown();
    }
  }

  private static void assertSameElements(Object expected, Object actual, String what) {
    int n = Array.getLength(expected);
    assertEquals(n, Array.getLength(actual), what + ": length");
    for (int i = 0; i < n; i++) {
      Object e = Array.get(expected, i);
      Object a = Array.get(actual, i);
      assertTrue(Objects.equals(e, a), what + ": element " + i + " is " + a + ", expected " + e);
    }
  }
}
