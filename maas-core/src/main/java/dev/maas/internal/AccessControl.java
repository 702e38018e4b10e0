package dev.maas.internal;

import dev.maas.AccessDeniedException;
import dev.maas.security.Action;
import dev.maas.security.Authorizer;
import dev.maas.security.Principal;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the authorizer before a call does any work, and writes every denial to the audit log
 * ({@code dev.maas.audit}): principal, action, model. An authorizer that throws denies.
 */
final class AccessControl {
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.maas.audit");

  private final Authorizer authorizer;
  private final Principal defaultPrincipal;

  AccessControl(Authorizer authorizer, Principal defaultPrincipal) {
    this.authorizer = authorizer;
    this.defaultPrincipal = defaultPrincipal;
  }

  /**
   * The principal of a call (its own, else the service's default), once it is allowed {@code action}
   * on {@code model}.
   *
   * @throws AccessDeniedException if it is not; the denial is audited
   */
  Principal require(Optional<Principal> given, Action action, String model) {
    Principal who = principal(given);
    if (!allows(who, action, model)) {
      AUDIT.warn("denied {} on model '{}' to principal '{}' (roles {})", action, model, printable(who.name()),
          printable(String.valueOf(who.roles())));
      throw new AccessDeniedException(who.name(), action, model);
    }
    return who;
  }

  /** The principal a call acts as: its own, else the service's default. */
  Principal principal(Optional<Principal> given) {
    return given.orElse(defaultPrincipal);
  }

  /** Whether the principal may; no audit (used to filter listings, which deny nothing). */
  boolean allows(Principal who, Action action, String model) {
    try {
      return authorizer.decide(who, action, model);
    } catch (RuntimeException e) {
      AUDIT.error("authorizer {} failed deciding {} on model '{}' for '{}'; denied: {}", authorizer, action, model,
          printable(who.name()), printable(e.toString()));
      return false;
    }
  }

  /**
   * {@code s} with control and line-separator characters written as Java unicode escapes, for log
   * lines: principal names come from callers, and one holding a line break could forge audit entries.
   */
  static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        if (sb == null) {
          sb = new StringBuilder(s.substring(0, i));
        }
        sb.append(String.format("\\u%04x", (int) c));
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }
}
