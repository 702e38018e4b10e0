package dev.maas.security;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: a name and the roles it holds. Carried by every call (in {@link
 * dev.maas.CallOptions}, or the service's default) and recorded in alias history.
 *
 * @param name the caller's identity, never empty
 * @param roles the roles the caller holds (copied, unmodifiable)
 */
public record Principal(String name, Set<String> roles) {
  /** The principal of calls that name none: {@code anonymous}, no roles. */
  public static final Principal ANONYMOUS = new Principal("anonymous", Set.of());

  /** Validates the name and copies the roles. */
  public Principal {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("principal name must not be blank");
    }
    roles = Set.copyOf(roles);
  }

  /** A principal with no roles. */
  public static Principal of(String name) {
    return new Principal(name, Set.of());
  }

  /** A principal holding {@code roles}. */
  public static Principal of(String name, String... roles) {
    return new Principal(name, Set.of(roles));
  }
}
