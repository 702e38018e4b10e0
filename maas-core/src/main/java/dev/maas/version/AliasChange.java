package dev.maas.version;

import java.time.Instant;
import java.util.Objects;

/**
 * One move of an alias, kept in its history.
 *
 * @param version the version the alias pointed at from then on
 * @param at when the move happened
 * @param principal who moved it
 */
public record AliasChange(long version, Instant at, String principal) {
  /** Validates. */
  public AliasChange {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(principal, "principal");
  }
}
