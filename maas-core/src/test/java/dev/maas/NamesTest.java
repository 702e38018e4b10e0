package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "A", "0", "iris", "resnet-50", "bert_base.v2", "a..b", "a-", "9lives", "x.onnx"})
  void acceptsValidModelNames(String name) {
    assertEquals(name, Names.checkModelName(name));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {".", "..", "../x", ".hidden", "-a", "_a", "a/b", "a\\b", "a b", "a:b", "a@b", "a\u0000",
      "a\n", "\na", "é", "ａ", "a*", "a?", "C:"})
  void rejectsNamesThatCouldEscapeOrConfuseTheStoreLayout(String name) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Names.checkModelName(name));
    assertTrue(e.getMessage().startsWith("model name"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> Names.checkAliasName(name));
  }

  @Test
  void manifestFileNamesGiveTheirVersionAndNothingElseDoes() {
    assertEquals(java.util.OptionalLong.of(7), Names.versionOfManifestName("7.json"));
    assertEquals(java.util.OptionalLong.of(Long.MAX_VALUE), Names.versionOfManifestName(Long.MAX_VALUE + ".json"));
    for (String notOne : new String[] {"0.json", "07.json", "7.JSON", "7", ".7.json.tmp", "9999999999999999999.json",
        "x.json", ""}) {
      assertTrue(Names.versionOfManifestName(notOne).isEmpty(), notOne);
    }
    assertTrue(Names.versionOfManifestName(null).isEmpty());
  }

  @Test
  void lengthLimitIs128() {
    assertEquals(128, Names.checkModelName("x".repeat(128)).length());
    assertThrows(InvalidInputException.class, () -> Names.checkModelName("x".repeat(129)));
    assertEquals(128, Names.checkAliasName("x".repeat(128)).length());
    assertThrows(InvalidInputException.class, () -> Names.checkAliasName("x".repeat(129)));
  }

  @Test
  void aliasesFollowTheNameRuleAndAreNotAllDigits() {
    assertEquals("prod", Names.checkAliasName("prod"));
    assertEquals("1a", Names.checkAliasName("1a"));
    assertEquals("v1", Names.checkAliasName("v1"));
    assertEquals("1.0", Names.checkAliasName("1.0"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Names.checkAliasName("123"));
    assertTrue(e.getMessage().contains("digits"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> Names.checkAliasName("0"));
    InvalidInputException bad = assertThrows(InvalidInputException.class, () -> Names.checkAliasName("a/b"));
    assertTrue(bad.getMessage().startsWith("alias"), bad.getMessage());
  }

  @Test
  void sha256IsSixtyFourLowerCaseHexDigits() {
    String ok = "0123456789abcdef".repeat(4);
    assertEquals(ok, Names.checkSha256(ok));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256(ok.toUpperCase()));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256(ok.substring(1)));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256(ok + "0"));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256(ok.substring(1) + "g"));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256("../" + ok.substring(3)));
    assertThrows(InvalidInputException.class, () -> Names.checkSha256(null));
  }

  @Test
  void versionsStartAtOne() {
    assertEquals(1, Names.checkVersion(1));
    assertEquals(Long.MAX_VALUE, Names.checkVersion(Long.MAX_VALUE));
    assertThrows(InvalidInputException.class, () -> Names.checkVersion(0));
    assertThrows(InvalidInputException.class, () -> Names.checkVersion(-1));
    assertThrows(InvalidInputException.class, () -> Names.checkVersion(Long.MIN_VALUE));
  }
}
