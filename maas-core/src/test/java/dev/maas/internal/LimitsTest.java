package dev.maas.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.maas.LimitExceededException;
import dev.maas.Tensor;
import dev.maas.security.InputLimits;
import dev.maas.testing.Fuzzing;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/** Every limit, exceeded, names itself; within the limits nothing is refused. */
@AddLifecycleHook(Fuzzing.class)
class LimitsTest {
  private static final InputLimits SMALL = InputLimits.defaults()
      .withMaxTensorElements(100).withMaxTensorBytes(200).withMaxRequestElements(150).withMaxRequestBytes(300)
      .withMaxInputs(3).withMaxNameLength(8).withMaxManifestBytes(1000).withMaxJsonDepth(4);

  private static String limitOf(Map<String, Tensor> inputs) {
    return assertThrows(LimitExceededException.class, () -> Limits.checkRequest(inputs, SMALL)).limit();
  }

  @Example
  void eachRequestLimitNamesItself() {
    Limits.checkRequest(Map.of("x", Tensor.of(new float[50])), SMALL);
    assertEquals("maxTensorElements", limitOf(Map.of("x", Tensor.of(new byte[101]))));
    assertEquals("maxTensorBytes", limitOf(Map.of("x", Tensor.of(new double[26]))));
    assertEquals("maxTensorBytes", limitOf(Map.of("s", Tensor.of(new String[] {"\u00e9".repeat(101)}))));
    Map<String, Tensor> many = new LinkedHashMap<>();
    many.put("a", Tensor.of(new byte[80]));
    many.put("b", Tensor.of(new byte[80]));
    assertEquals("maxRequestElements", limitOf(many));
    Map<String, Tensor> heavy = new LinkedHashMap<>();
    heavy.put("a", Tensor.of(new float[40]));
    heavy.put("b", Tensor.of(new float[40]));
    assertEquals("maxRequestBytes", limitOf(heavy));
    assertEquals("maxInputs", limitOf(Map.of("a", Tensor.of(new byte[1]), "b", Tensor.of(new byte[1]),
        "c", Tensor.of(new byte[1]), "d", Tensor.of(new byte[1]))));
    assertEquals("maxNameLength", limitOf(Map.of("a-long-name", Tensor.of(new byte[1]))));
  }

  @Example
  void theExceptionSaysWhatAndHowMuch() {
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> Limits.checkRequest(Map.of("x", Tensor.of(new byte[101])), SMALL));
    assertEquals(100, e.maximum());
    assertEquals(101, e.actual());
    assertEquals(dev.maas.ErrorCode.INVALID_INPUT, e.code());
    assertEquals(true, e.getMessage().contains("maxTensorElements") && e.getMessage().contains("'x'"), e.getMessage());
  }

  @Example
  void documentsAreBoundedInSizeAndDepth() {
    Limits.checkDocument("{\"a\": [[1]]}".getBytes(StandardCharsets.UTF_8), "manifest of m:1", SMALL);
    assertEquals("maxManifestBytes", assertThrows(LimitExceededException.class, () -> Limits.checkDocument(
        new byte[1001], "manifest of m:1", SMALL)).limit());
    assertEquals("maxJsonDepth", assertThrows(LimitExceededException.class, () -> Limits.checkDocument(
        "{\"a\": [[{\"b\": [1]}]]}".getBytes(StandardCharsets.UTF_8), "manifest of m:1", SMALL)).limit());
    // malformed documents are left to the parser, which says how they are malformed
    Limits.checkDocument("{\"a\": [[".getBytes(StandardCharsets.UTF_8), "manifest of m:1", SMALL);
  }

  @Example
  void limitsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> InputLimits.defaults().withMaxTensorBytes(0));
    assertThrows(IllegalArgumentException.class, () -> InputLimits.defaults().withMaxInputs(-1));
    assertThrows(IllegalArgumentException.class, () -> InputLimits.defaults().withMaxJsonDepth(1001));
  }

  /** Nesting far past the parser's own bound (1000) is refused by name, cheaply, not by a parser error. */
  @Property(tries = 300)
  void anyNestingIsEitherReadOrRefusedByName(@ForAll @IntRange(min = 1, max = 5000) int depth, @ForAll boolean objects) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      sb.append(objects ? "{\"k\":" : "[");
    }
    sb.append('1');
    for (int i = 0; i < depth; i++) {
      sb.append(objects ? '}' : ']');
    }
    byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
    InputLimits l = InputLimits.defaults();
    if (depth <= l.maxJsonDepth()) {
      Limits.checkDocument(json, "alias record m@a", l);
    } else {
      assertEquals("maxJsonDepth", assertThrows(LimitExceededException.class,
          () -> Limits.checkDocument(json, "alias record m@a", l)).limit());
    }
  }
}
