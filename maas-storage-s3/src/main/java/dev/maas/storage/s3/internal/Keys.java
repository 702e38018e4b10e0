package dev.maas.storage.s3.internal;

import dev.maas.InvalidInputException;
import dev.maas.Names;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The object keys of the store layout under one prefix. Every name is validated before it becomes
 * part of a key, so no caller can address an object outside the layout.
 */
public final class Keys {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final String JSON = ".json";
  private static final int MAX_PREFIX_LENGTH = 512;

  private final String prefix;

  private Keys(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The keys under {@code prefix}: empty for the bucket's root, else segments of letters, digits,
   * '.', '_' and '-' separated by '/'; leading and trailing slashes are ignored.
   *
   * @throws InvalidInputException if the prefix has an empty, "." or ".." segment or another character
   */
  public static Keys under(String prefix) {
    if (prefix == null) {
      throw new InvalidInputException("the S3 key prefix must not be null (use \"\" for the bucket's root)");
    }
    String trimmed = prefix;
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      return new Keys("");
    }
    if (trimmed.length() > MAX_PREFIX_LENGTH) {
      throw new InvalidInputException("S3 key prefix is longer than " + MAX_PREFIX_LENGTH + " characters");
    }
    for (String segment : trimmed.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new InvalidInputException("S3 key prefix '" + prefix + "' is invalid: use segments of letters, digits, "
            + "'.', '_' or '-' separated by '/', none of them empty, '.' or '..'");
      }
    }
    return new Keys(trimmed + "/");
  }

  /** The prefix with a trailing slash, or empty for the bucket's root. */
  public String prefix() {
    return prefix;
  }

  /** {@code <prefix>blobs/sha256/<hex>}. */
  public String blob(String sha256) {
    return prefix + "blobs/sha256/" + Names.checkSha256(sha256);
  }

  /** {@code <prefix>models/}: the common prefix of every model. */
  public String models() {
    return prefix + "models/";
  }

  /** {@code <prefix>models/<name>/versions/}. */
  public String versions(String model) {
    return models() + Names.checkModelName(model) + "/versions/";
  }

  /** {@code <prefix>models/<name>/versions/<n>.json}. */
  public String manifest(String model, long version) {
    return versions(model) + Names.checkVersion(version) + JSON;
  }

  /** {@code <prefix>models/<name>/aliases/}. */
  public String aliases(String model) {
    return models() + Names.checkModelName(model) + "/aliases/";
  }

  /** {@code <prefix>models/<name>/aliases/<alias>.json}. */
  public String alias(String model, String alias) {
    return aliases(model) + Names.checkAliasName(alias) + JSON;
  }

  /** A fresh key for the start-up probe, outside the {@code models/} and {@code blobs/} trees. */
  public String probe() {
    return prefix + ".maas/probe-" + UUID.randomUUID();
  }

  /** The model name of a common prefix {@code <prefix>models/<name>/}, if it is a valid name. */
  public Optional<String> modelOf(String commonPrefix) {
    if (!commonPrefix.startsWith(models()) || !commonPrefix.endsWith("/")) {
      return Optional.empty();
    }
    String name = commonPrefix.substring(models().length(), commonPrefix.length() - 1);
    return Names.isModelName(name) ? Optional.of(name) : Optional.empty();
  }

  /** The version of a manifest key under {@code versionsPrefix}, if the key is one this store writes. */
  public static OptionalLong versionOf(String versionsPrefix, String key) {
    if (!key.startsWith(versionsPrefix)) {
      return OptionalLong.empty();
    }
    return Names.versionOfManifestName(key.substring(versionsPrefix.length()));
  }

  /** The alias name of an alias key under {@code aliasesPrefix}, if the key is one this store writes. */
  public static Optional<String> aliasOf(String aliasesPrefix, String key) {
    if (!key.startsWith(aliasesPrefix) || !key.endsWith(JSON)) {
      return Optional.empty();
    }
    String name = key.substring(aliasesPrefix.length(), key.length() - JSON.length());
    return Names.isAliasName(name) ? Optional.of(name) : Optional.empty();
  }
}
