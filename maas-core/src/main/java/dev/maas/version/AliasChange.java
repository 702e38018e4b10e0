package dev.maas.version;

import java.time.Instant;
import java.util.Objects;

/**
 * One move of an alias, kept in its history.
 *
 * @param version the version the alias pointed at from then on
 * @param at when the move happened
 * @param principal who moved it
 * @param rollback whether the move was a rollback (it undoes the move before it)
 */
public record AliasChange(long version, Instant at, String principal, boolean rollback) {
  /** A move that is not a rollback. */
  public AliasChange(long version, Instant at, String principal) {
    this(version, at, principal, false);
  }

  /** Validates. */
  public AliasChange {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(principal, "principal");
  }
}
