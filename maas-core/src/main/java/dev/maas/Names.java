package dev.maas;

import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Rules for the names that become parts of store paths: model names, alias names and blob digests.
 * Stores call these again on every entry point, so no name can escape the store's layout.
 */
public final class Names {
  /** Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private static final Pattern MANIFEST_FILE = Pattern.compile("[1-9][0-9]{0,18}\\.json");

  private Names() {}

  /**
   * Whether {@code name} matches {@link #NAME}, checked by hand: exact references build a {@code
   * ModelVersion}, and so check a name, on every call, where a regex match costs a matcher.
   */
  static boolean isName(String name) {
    if (name == null) {
      return false;
    }
    int n = name.length();
    if (n < 1 || n > 128 || !isLetterOrDigit(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = name.charAt(i);
      if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLetterOrDigit(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
  }

  /** The rule {@link #isName} implements, kept for tests that hold the two side by side. */
  static Pattern namePattern() {
    return NAME;
  }

  /**
   * Whether {@code name} is a valid model name: what {@link #checkModelName} accepts. For stores that
   * list what they find and skip what they could not have written.
   *
   * @param name any string, or null
   * @return whether it is a valid model name
   */
  public static boolean isModelName(String name) {
    return isName(name);
  }

  /**
   * Whether {@code alias} is a valid alias name: what {@link #checkAliasName} accepts.
   *
   * @param alias any string, or null
   * @return whether it is a valid alias name
   */
  public static boolean isAliasName(String alias) {
    return isName(alias) && !allDigits(alias);
  }

  /**
   * Whether {@code sha256} is 64 lower-case hex digits: what {@link #checkSha256} accepts.
   *
   * @param sha256 any string, or null
   * @return whether it is a SHA-256 digest as stores name blobs
   */
  public static boolean isSha256(String sha256) {
    return sha256 != null && SHA256.matcher(sha256).matches();
  }

  /**
   * The version a manifest's file name stands for in the store layout ({@code <n>.json}), if the
   * name is one a store writes: digits without a leading zero, at most {@link Long#MAX_VALUE}.
   *
   * @param fileName the last part of a manifest's path or key
   * @return the version, or empty if the name is not a manifest's
   */
  public static OptionalLong versionOfManifestName(String fileName) {
    if (fileName == null || !MANIFEST_FILE.matcher(fileName).matches()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(fileName.substring(0, fileName.length() - ".json".length())));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // nineteen digits beyond Long.MAX_VALUE: not a name a store wrote
    }
  }

  private static boolean allDigits(String s) {
    return s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /**
   * Returns {@code name} if it is a valid model name.
   *
   * @throws InvalidInputException naming the rule otherwise
   */
  public static String checkModelName(String name) {
    return check("model name", name);
  }

  /**
   * Returns {@code alias} if it is a valid alias name (same rule as model names, and not all
   * digits, so that it cannot be mistaken for a version number).
   *
   * @throws InvalidInputException naming the rule otherwise
   */
  public static String checkAliasName(String alias) {
    check("alias", alias);
    if (allDigits(alias)) {
      throw new InvalidInputException("alias '" + alias + "' must not be all digits");
    }
    return alias;
  }

  /**
   * Returns {@code sha256} if it is 64 lower-case hex digits.
   *
   * @throws InvalidInputException otherwise
   */
  public static String checkSha256(String sha256) {
    if (!isSha256(sha256)) {
      throw new InvalidInputException("not a SHA-256 digest (64 lower-case hex digits): '" + sha256 + "'");
    }
    return sha256;
  }

  /**
   * Returns {@code version} if it is a valid version number (1 or more).
   *
   * @throws InvalidInputException otherwise
   */
  public static long checkVersion(long version) {
    if (version < 1) {
      throw new InvalidInputException("version numbers start at 1, got " + version);
    }
    return version;
  }

  private static String check(String what, String name) {
    if (!isName(name)) {
      throw new InvalidInputException(
          what + " '" + name + "' is invalid: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }
}
