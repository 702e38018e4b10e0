package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.maas.security.Principal;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeployOptionsTest {

  @Test
  void defaultsAreEmpty() {
    DeployOptions d = DeployOptions.defaults();
    assertEquals(Map.of(), d.labels());
    assertEquals(Optional.empty(), d.alias());
    assertEquals(Optional.empty(), d.principal());
  }

  @Test
  void labelsAccumulateAndALaterValueReplacesAnEarlierOne() {
    DeployOptions a = DeployOptions.defaults().withLabel("team", "ml");
    DeployOptions b = a.withLabel("stage", "dev");
    DeployOptions c = b.withLabel("team", "search");
    assertEquals(Map.of("team", "ml"), a.labels());
    assertEquals(Map.of("team", "ml", "stage", "dev"), b.labels());
    assertEquals(Map.of("team", "search", "stage", "dev"), c.labels());
    assertEquals(Map.of(), DeployOptions.defaults().labels());
  }

  @Test
  void labelsAreUnmodifiable() {
    Map<String, String> labels = DeployOptions.defaults().withLabel("k", "v").labels();
    assertThrows(UnsupportedOperationException.class, () -> labels.put("x", "y"));
    assertThrows(UnsupportedOperationException.class, () -> DeployOptions.defaults().labels().put("x", "y"));
  }

  @Test
  void labelKeysAndValuesAreRequired() {
    assertThrows(NullPointerException.class, () -> DeployOptions.defaults().withLabel(null, "v"));
    assertThrows(NullPointerException.class, () -> DeployOptions.defaults().withLabel("k", null));
  }

  @Test
  void aliasIsValidated() {
    assertEquals(Optional.of("prod"), DeployOptions.defaults().withAlias("prod").alias());
    assertThrows(InvalidInputException.class, () -> DeployOptions.defaults().withAlias("7"));
    assertThrows(InvalidInputException.class, () -> DeployOptions.defaults().withAlias("../prod"));
    assertThrows(InvalidInputException.class, () -> DeployOptions.defaults().withAlias(""));
    assertThrows(InvalidInputException.class, () -> DeployOptions.defaults().withAlias(null));
  }

  @Test
  void withMethodsKeepTheOtherSettings() {
    Principal ci = Principal.of("ci");
    DeployOptions o = DeployOptions.defaults().withPrincipal(ci).withAlias("canary").withLabel("k", "v");
    assertEquals(Optional.of(ci), o.principal());
    assertEquals(Optional.of("canary"), o.alias());
    assertEquals(Map.of("k", "v"), o.labels());
    DeployOptions p = o.withAlias("prod").withPrincipal(Principal.ANONYMOUS);
    assertEquals(Map.of("k", "v"), p.labels());
    assertEquals(Optional.of("prod"), p.alias());
    assertEquals(Optional.of("canary"), o.alias(), "the original is unchanged");
    assertEquals(Optional.of(ci), o.principal());
    assertThrows(NullPointerException.class, () -> o.withPrincipal(null));
  }
}
