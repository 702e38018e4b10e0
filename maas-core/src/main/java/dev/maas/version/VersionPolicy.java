package dev.maas.version;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions of a model stay loaded (pinned: loaded ahead of calls and never evicted). Versions
 * outside the policy load on first use and may be evicted when idle.
 *
 * <pre>{@code
 * ModelService.builder().versionPolicy("mlp", VersionPolicy.latest(2))
 * }</pre>
 */
public sealed interface VersionPolicy {

  /** Nothing pinned: every version loads on first use (the default). */
  static VersionPolicy onDemand() {
    return new Latest(0);
  }

  /** The newest {@code n} versions. */
  static VersionPolicy latest(int n) {
    return new Latest(n);
  }

  /** These versions. */
  static VersionPolicy specific(long... versions) {
    Set<Long> s = new TreeSet<>();
    for (long v : versions) {
      s.add(v);
    }
    return new Specific(s);
  }

  /** Every version an alias points at. */
  static VersionPolicy aliased() {
    return Aliased.INSTANCE;
  }

  /**
   * The versions pinned, given the model's versions (ascending) and its aliases' targets.
   */
  Set<Long> pinned(List<Long> versions, java.util.Collection<Long> aliasTargets);

  /**
   * The newest {@code n} versions.
   *
   * @param n how many
   */
  record Latest(int n) implements VersionPolicy {
    /** Validates. */
    public Latest {
      if (n < 0) {
        throw new IllegalArgumentException("n must be >= 0");
      }
    }

    @Override
    public Set<Long> pinned(List<Long> versions, java.util.Collection<Long> aliasTargets) {
      return Set.copyOf(versions.subList(Math.max(0, versions.size() - n), versions.size()));
    }
  }

  /**
   * Fixed versions.
   *
   * @param versions the versions
   */
  record Specific(Set<Long> versions) implements VersionPolicy {
    /** Copies. */
    public Specific {
      versions = Set.copyOf(versions);
    }

    @Override
    public Set<Long> pinned(List<Long> all, java.util.Collection<Long> aliasTargets) {
      Set<Long> s = new TreeSet<>(versions);
      s.retainAll(all);
      return s;
    }
  }

  /** Every alias target. */
  enum Aliased implements VersionPolicy {
    /** The one instance. */
    INSTANCE;

    @Override
    public Set<Long> pinned(List<Long> versions, java.util.Collection<Long> aliasTargets) {
      Set<Long> s = new TreeSet<>(aliasTargets);
      s.retainAll(versions);
      return s;
    }
  }
}
