package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRefTest {

  @Test
  void parsesTheThreeForms() {
    ModelRef latest = ModelRef.parse("iris");
    assertEquals("iris", latest.name());
    assertTrue(latest.isLatest());
    assertEquals(OptionalLong.empty(), latest.version());
    assertEquals(Optional.empty(), latest.alias());
    assertEquals(ModelRef.latest("iris"), latest);

    ModelRef exact = ModelRef.parse("iris:7");
    assertEquals("iris", exact.name());
    assertFalse(exact.isLatest());
    assertEquals(OptionalLong.of(7), exact.version());
    assertEquals(Optional.empty(), exact.alias());
    assertEquals(ModelRef.of("iris", 7), exact);

    ModelRef alias = ModelRef.parse("iris@prod");
    assertEquals("iris", alias.name());
    assertFalse(alias.isLatest());
    assertEquals(OptionalLong.empty(), alias.version());
    assertEquals(Optional.of("prod"), alias.alias());
    assertEquals(ModelRef.alias("iris", "prod"), alias);
  }

  @Test
  void toStringIsTheParsableForm() {
    assertEquals("iris", ModelRef.latest("iris").toString());
    assertEquals("iris:9223372036854775807", ModelRef.of("iris", Long.MAX_VALUE).toString());
    assertEquals("iris@v2", ModelRef.alias("iris", "v2").toString());
    assertEquals(ModelRef.of("a.b-c_d", 1), ModelRef.parse(ModelRef.of("a.b-c_d", 1).toString()));
  }

  @Test
  void theThreeFormsAreDistinct() {
    ModelRef latest = ModelRef.latest("m");
    ModelRef exact = ModelRef.of("m", 1);
    ModelRef alias = ModelRef.alias("m", "one");
    assertNotEquals(latest, exact);
    assertNotEquals(latest, alias);
    assertNotEquals(exact, alias);
    assertNotEquals(ModelRef.of("m", 1), ModelRef.of("m", 2));
    assertNotEquals(ModelRef.of("m", 1), ModelRef.of("n", 1));
    assertNotEquals(ModelRef.alias("m", "a"), ModelRef.alias("m", "b"));
    assertNotEquals(latest, "m");
    assertEquals(ModelRef.of("m", 1).hashCode(), ModelRef.parse("m:1").hashCode());
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {
      "", " ", "a:b", "a:0", "a:-1", "a@1", "a:1@b", "a@b:1", "../x", "a/b", "a\\b", ":1", "@prod", "a:", "a@",
      "a:1.5", "a:99999999999999999999", "a b", " a", "a ", ".a", "-a", "_a", "a:1:2", "a@b@c", "a@-b", "a@b/c",
      "a\n", "é"})
  void rejectsInvalidReferences(String text) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelRef.parse(text));
    assertEquals(ErrorCode.INVALID_INPUT, e.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a:+1", "a:\u0661", "a:\uff11"})
  void versionIsAsciiDigitsOnly(String text) {
    assertThrows(InvalidInputException.class, () -> ModelRef.parse(text));
  }

  @Test
  void namesAreAtMost128Characters() {
    String max = "a".repeat(128);
    assertEquals(max, ModelRef.parse(max).name());
    assertEquals(max, ModelRef.parse("m@" + max).alias().orElseThrow());
    assertThrows(InvalidInputException.class, () -> ModelRef.parse("a".repeat(129)));
    assertThrows(InvalidInputException.class, () -> ModelRef.parse("a".repeat(129) + ":1"));
    assertThrows(InvalidInputException.class, () -> ModelRef.parse("m@" + "a".repeat(129)));
  }

  @Test
  void factoriesValidateLikeParse() {
    assertThrows(InvalidInputException.class, () -> ModelRef.of("m", 0));
    assertThrows(InvalidInputException.class, () -> ModelRef.of("m", Long.MIN_VALUE));
    assertThrows(InvalidInputException.class, () -> ModelRef.of("a/b", 1));
    assertThrows(InvalidInputException.class, () -> ModelRef.latest(null));
    assertThrows(InvalidInputException.class, () -> ModelRef.latest(".."));
    assertThrows(InvalidInputException.class, () -> ModelRef.alias("m", "123"));
    assertThrows(InvalidInputException.class, () -> ModelRef.alias("m", null));
    assertThrows(InvalidInputException.class, () -> ModelRef.alias("m", ""));
  }
}
