package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written name check agrees with the documented regex on every string tried. */
class NamesRuleTest {
  private static final String ALPHABET = "aZ09._-/ \\:@\u00e9\u0000Az";

  @Test
  void theHandWrittenCheckAgreesWithTheRegex() {
    SplittableRandom rnd = new SplittableRandom(20261129);
    for (int i = 0; i < 200_000; i++) {
      int len = rnd.nextInt(10) == 0 ? 120 + rnd.nextInt(16) : rnd.nextInt(6);
      StringBuilder sb = new StringBuilder(len);
      for (int k = 0; k < len; k++) {
        sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
      }
      String s = sb.toString();
      assertEquals(Names.namePattern().matcher(s).matches(), Names.isName(s), () -> "'" + s + "'");
    }
  }

  @Test
  void edgesOfTheRule() {
    assertEquals(true, Names.isName("a"));
    assertEquals(true, Names.isName("9"));
    assertEquals(true, Names.isName("a".repeat(128)));
    assertEquals(false, Names.isName("a".repeat(129)));
    assertEquals(false, Names.isName(""));
    assertEquals(false, Names.isName(null));
    assertEquals(false, Names.isName(".hidden"));
    assertEquals(false, Names.isName("-x"));
    assertEquals(false, Names.isName("a/b"));
    assertEquals(true, Names.isName("m.v-1_2"));
  }
}
