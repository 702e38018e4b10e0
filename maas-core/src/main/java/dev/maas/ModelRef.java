package dev.maas;

import dev.maas.version.VersionResolver;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Names what to run: a model and which of its versions. Three forms, as {@link #parse(String)}
 * reads them: {@code "name"} (the latest version), {@code "name:7"} (exactly version 7) and {@code
 * "name@prod"} (whatever version the alias {@code prod} points at when the call is routed).
 *
 * <p>{@link #routed(String, VersionResolver)} takes any {@link VersionResolver}: a weighted split
 * between aliases, or a shadow. Immutable and thread-safe; {@link #toString()} gives back the
 * parsable form of the three plain forms.
 */
public final class ModelRef {
  private final String name;
  private final long version; // 0 when not exact
  private final String alias; // null when not an alias
  private final VersionResolver resolver;

  private ModelRef(String name, long version, String alias) {
    this.name = Names.checkModelName(name);
    this.version = version;
    this.alias = alias;
    this.resolver = version > 0 ? VersionResolver.exact(version)
        : alias != null ? VersionResolver.alias(alias) : VersionResolver.latest();
  }

  private ModelRef(String name, VersionResolver resolver) {
    this.name = Names.checkModelName(name);
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.version = resolver instanceof VersionResolver.Exact ? ((VersionResolver.Exact) resolver).version() : 0;
    this.alias = resolver instanceof VersionResolver.Alias ? ((VersionResolver.Alias) resolver).name() : null;
  }

  /**
   * Model {@code name}, routed by any resolver: a weighted split between aliases, a shadow, or one of
   * the plain forms.
   */
  public static ModelRef routed(String name, VersionResolver resolver) {
    return new ModelRef(name, resolver);
  }

  /** How this reference picks a version. */
  public VersionResolver resolver() {
    return resolver;
  }

  /**
   * Parses {@code name}, {@code name:N} or {@code name@alias}.
   *
   * @throws InvalidInputException if the text is none of these or a part is invalid
   */
  public static ModelRef parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("empty model reference; expected name, name:VERSION or name@ALIAS");
    }
    int colon = text.indexOf(':');
    int at = text.indexOf('@');
    if (colon >= 0 && at >= 0) {
      throw new InvalidInputException("model reference '" + text + "' has both ':' and '@'");
    }
    if (colon >= 0) {
      String v = text.substring(colon + 1);
      if (v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new InvalidInputException("version in model reference '" + text + "' is not a number");
      }
      long n;
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new InvalidInputException("version in model reference '" + text + "' is not a number");
      }
      return of(text.substring(0, colon), n);
    }
    if (at >= 0) {
      return alias(text.substring(0, at), text.substring(at + 1));
    }
    return latest(text);
  }

  /** The latest version of {@code name}. */
  public static ModelRef latest(String name) {
    return new ModelRef(name, 0, null);
  }

  /** Exactly {@code version} of {@code name}. */
  public static ModelRef of(String name, long version) {
    return new ModelRef(name, Names.checkVersion(version), null);
  }

  /** The version that {@code alias} of {@code name} points at. */
  public static ModelRef alias(String name, String alias) {
    return new ModelRef(name, 0, Names.checkAliasName(alias));
  }

  /** The model name. */
  public String name() {
    return name;
  }

  /** The exact version, when this reference names one. */
  public OptionalLong version() {
    return version > 0 ? OptionalLong.of(version) : OptionalLong.empty();
  }

  /** The alias, when this reference names one. */
  public Optional<String> alias() {
    return Optional.ofNullable(alias);
  }

  /** Whether this reference means "the latest version" (and nothing more). */
  public boolean isLatest() {
    return resolver instanceof VersionResolver.Latest;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelRef
        && ((ModelRef) o).name.equals(name)
        && ((ModelRef) o).version == version
        && ((ModelRef) o).resolver.equals(resolver);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, resolver);
  }

  /** The parsable form: {@code name}, {@code name:7} or {@code name@prod}. */
  @Override
  public String toString() {
    if (resolver instanceof VersionResolver.Split || resolver instanceof VersionResolver.Shadowed) {
      return name + "[" + resolver + "]";
    }
    return version > 0 ? name + ":" + version : alias != null ? name + "@" + alias : name;
  }
}
