package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ModelRefPropertyTest {
  static final String FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static final String REST = FIRST + "._-";

  /** Valid model (and alias) names: 1 to 128 characters of the allowed set, not starting with '.', '_' or '-'. */
  static Arbitrary<String> validNames() {
    Arbitrary<Character> first = Arbitraries.of(FIRST.toCharArray());
    Arbitrary<String> rest = Arbitraries.strings().withChars(REST.toCharArray()).ofMaxLength(127);
    return net.jqwik.api.Combinators.combine(first, rest).as((c, r) -> c + r);
  }

  @Provide
  Arbitrary<String> names() {
    return validNames();
  }

  @Provide
  Arbitrary<String> aliases() {
    return validNames().filter(a -> !a.chars().allMatch(Character::isDigit));
  }

  @Provide
  Arbitrary<Long> versions() {
    return Arbitraries.longs().between(1, Long.MAX_VALUE);
  }

  @Property(tries = 300)
  void latestRoundTrips(@ForAll("names") String name) {
    ModelRef r = ModelRef.parse(name);
    assertTrue(r.isLatest());
    assertEquals(name, r.name());
    assertEquals(name, r.toString());
    assertEquals(ModelRef.latest(name), r);
  }

  @Property(tries = 300)
  void exactVersionRoundTrips(@ForAll("names") String name, @ForAll("versions") long version) {
    ModelRef r = ModelRef.of(name, version);
    assertEquals(name + ":" + version, r.toString());
    ModelRef back = ModelRef.parse(r.toString());
    assertEquals(r, back);
    assertEquals(r.hashCode(), back.hashCode());
    assertEquals(OptionalLong.of(version), back.version());
    assertEquals(name, back.name());
  }

  @Property(tries = 300)
  void aliasRoundTrips(@ForAll("names") String name, @ForAll("aliases") String alias) {
    ModelRef r = ModelRef.alias(name, alias);
    assertEquals(name + "@" + alias, r.toString());
    ModelRef back = ModelRef.parse(r.toString());
    assertEquals(r, back);
    assertEquals(r.hashCode(), back.hashCode());
    assertEquals(Optional.of(alias), back.alias());
    assertEquals(OptionalLong.empty(), back.version());
  }

  @Property(tries = 200)
  void allDigitAliasesAreRejected(@ForAll("names") String name, @ForAll("versions") long digits) {
    assertThrows(InvalidInputException.class, () -> ModelRef.parse(name + "@" + digits));
    assertThrows(InvalidInputException.class, () -> ModelRef.alias(name, Long.toString(digits)));
  }

  @Property(tries = 200)
  void nonPositiveVersionsAreRejected(@ForAll("names") String name, @ForAll long v) {
    long bad = v > 0 ? -v : v;
    assertThrows(InvalidInputException.class, () -> ModelRef.parse(name + ":" + bad));
    assertThrows(InvalidInputException.class, () -> ModelRef.of(name, bad));
  }

  /** Text from the characters that matter to the grammar, plus a few that never belong. */
  @Provide
  Arbitrary<String> noise() {
    return Arbitraries.strings().withChars("ab1:@._-/ \\\u00e9\n0".toCharArray()).ofMaxLength(12);
  }

  @Property(tries = 1000)
  void anyTextParsesToAReferenceThatRoundTripsOrIsRejectedCleanly(@ForAll("noise") String text) {
    ModelRef r;
    try {
      r = ModelRef.parse(text);
    } catch (InvalidInputException e) {
      return;
    }
    assertEquals(r, ModelRef.parse(r.toString()));
    assertTrue(Names.checkModelName(r.name()).equals(r.name()));
  }
}
