package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.security.Principal;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CallOptionsTest {
  private static final Principal WEB = Principal.of("web", "reader");

  @Test
  void defaultsAreEmpty() {
    CallOptions d = CallOptions.defaults();
    assertEquals(Optional.empty(), d.principal());
    assertEquals(Optional.empty(), d.timeout());
    assertEquals(0, d.priority());
    assertSame(d, CallOptions.defaults());
  }

  @Test
  void withMethodsDeriveNewOptionsAndKeepTheOtherSettings() {
    CallOptions d = CallOptions.defaults();
    CallOptions a = d.withPrincipal(WEB);
    CallOptions b = a.withTimeout(Duration.ofMillis(50));
    CallOptions c = b.withPriority(-3);
    CallOptions e = c.withPrincipal(Principal.ANONYMOUS);

    assertEquals(Optional.of(WEB), c.principal());
    assertEquals(Optional.of(Duration.ofMillis(50)), c.timeout());
    assertEquals(-3, c.priority());
    assertEquals(Optional.of(Principal.ANONYMOUS), e.principal());
    assertEquals(Optional.of(Duration.ofMillis(50)), e.timeout());
    assertEquals(-3, e.priority());

    // Nothing it was derived from changed.
    assertEquals(Optional.empty(), d.principal());
    assertEquals(Optional.empty(), a.timeout());
    assertEquals(0, b.priority());
    assertEquals(Optional.of(WEB), c.principal());
    assertNotSame(a, d);
  }

  @Test
  void timeoutMustBePositive() {
    CallOptions d = CallOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ofNanos(-1)));
    assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ofDays(-1)));
    assertEquals(Optional.of(Duration.ofNanos(1)), d.withTimeout(Duration.ofNanos(1)).timeout());
    assertThrows(NullPointerException.class, () -> d.withTimeout(null));
  }

  @Test
  void principalIsRequired() {
    assertThrows(NullPointerException.class, () -> CallOptions.defaults().withPrincipal(null));
  }

  @Test
  void toStringNamesEverySetting() {
    String s = CallOptions.defaults().withPrincipal(WEB).withTimeout(Duration.ofSeconds(2)).withPriority(7).toString();
    assertTrue(s.contains("web") && s.contains("PT2S") && s.contains("7"), s);
    assertTrue(CallOptions.defaults().toString().contains("default"));
  }
}
