package dev.maas.version;

import dev.maas.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which version of a model a call runs on. Use it through {@link dev.maas.ModelRef#routed(String,
 * VersionResolver)}; {@code ModelRef.parse} makes the first three for you.
 *
 * <pre>{@code
 * VersionResolver.latest()                      // "mlp"
 * VersionResolver.exact(7)                      // "mlp:7"
 * VersionResolver.alias("prod")                 // "mlp@prod"
 * VersionResolver.split(Map.of(VersionResolver.alias("prod"), 90, VersionResolver.alias("canary"), 10))
 * VersionResolver.alias("prod").withShadow(VersionResolver.alias("canary"))
 * }</pre>
 *
 * <p>A split is sticky per request key ({@link dev.maas.CallOptions#withRequestKey}): the same key
 * lands on the same branch while the split is unchanged; without a key a branch is drawn at random
 * by weight. Immutable values.
 */
public sealed interface VersionResolver {

  /** The newest version. */
  static VersionResolver latest() {
    return Latest.INSTANCE;
  }

  /** Exactly version {@code version}. */
  static VersionResolver exact(long version) {
    return new Exact(Names.checkVersion(version));
  }

  /** The version alias {@code name} points at. */
  static VersionResolver alias(String name) {
    return new Alias(Names.checkAliasName(name));
  }

  /**
   * A weighted split between resolvers (each a latest, exact or alias resolver), in the map's
   * iteration order.
   *
   * @throws IllegalArgumentException if a weight is not positive, a branch is itself a split or a
   *     shadow, or there is no branch
   */
  static VersionResolver split(Map<VersionResolver, Integer> weights) {
    List<Branch> branches = new ArrayList<>();
    new LinkedHashMap<>(weights).forEach((r, w) -> branches.add(new Branch(r, w)));
    return new Split(branches);
  }

  /**
   * This resolver, also sending a copy of each request to {@code shadow}, whose result is compared
   * and discarded without delaying the caller.
   */
  default VersionResolver withShadow(VersionResolver shadow) {
    return new Shadowed(this, shadow);
  }

  /** The newest version. */
  enum Latest implements VersionResolver {
    /** The one instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "latest";
    }
  }

  /**
   * One exact version.
   *
   * @param version the version number
   */
  record Exact(long version) implements VersionResolver {
    @Override
    public String toString() {
      return Long.toString(version);
    }
  }

  /**
   * Whatever an alias points at.
   *
   * @param name the alias
   */
  record Alias(String name) implements VersionResolver {
    @Override
    public String toString() {
      return "@" + name;
    }
  }

  /**
   * One branch of a split.
   *
   * @param resolver where the branch goes
   * @param weight its share, relative to the other branches' weights
   */
  record Branch(VersionResolver resolver, int weight) {
    /** Validates. */
    public Branch {
      Objects.requireNonNull(resolver, "resolver");
      if (weight <= 0) {
        throw new IllegalArgumentException("weights must be positive, got " + weight);
      }
      if (resolver instanceof Split || resolver instanceof Shadowed) {
        throw new IllegalArgumentException("a split's branches are latest, exact or alias resolvers");
      }
    }
  }

  /**
   * A weighted split, sticky per request key.
   *
   * @param branches the branches, in order
   */
  record Split(List<Branch> branches) implements VersionResolver {
    /** Validates and copies. */
    public Split {
      branches = List.copyOf(branches);
      if (branches.isEmpty()) {
        throw new IllegalArgumentException("a split needs at least one branch");
      }
    }

    /** The sum of the weights. */
    public int totalWeight() {
      int t = 0;
      for (Branch b : branches) {
        t += b.weight();
      }
      return t;
    }

    /**
     * The branch for a point in {@code [0, totalWeight())}, walking the branches in order.
     */
    public VersionResolver pick(int point) {
      int acc = 0;
      for (Branch b : branches) {
        acc += b.weight();
        if (point < acc) {
          return b.resolver();
        }
      }
      return branches.get(branches.size() - 1).resolver();
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("split(");
      for (Branch b : branches) {
        sb.append(sb.length() > 6 ? ", " : "").append(b.resolver()).append(' ').append(b.weight());
      }
      return sb.append(')').toString();
    }
  }

  /**
   * A resolver with a shadow.
   *
   * @param primary where calls are answered from
   * @param shadow where copies go
   */
  record Shadowed(VersionResolver primary, VersionResolver shadow) implements VersionResolver {
    /** Validates. */
    public Shadowed {
      Objects.requireNonNull(primary, "primary");
      Objects.requireNonNull(shadow, "shadow");
      if (primary instanceof Shadowed || shadow instanceof Shadowed) {
        throw new IllegalArgumentException("one shadow per resolver");
      }
    }

    @Override
    public String toString() {
      return primary + " shadow " + shadow;
    }
  }
}
