package dev.maas.security;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.maas.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An {@link Authorizer} configured by rules: principals or roles, model name patterns, actions, and
 * whether the rule allows or denies. A call is allowed when at least one {@link Effect#ALLOW} rule
 * matches it and no {@link Effect#DENY} rule does: <b>deny wins</b>, and whatever no rule allows is
 * denied (an authorizer with no rules denies everything).
 *
 * <p>A rule matches a call when the caller's name is one of its {@code principals} (or they include
 * {@code "*"}, everyone) or the caller holds one of its {@code roles}; the model name matches one
 * of its {@code models} patterns ({@code *} any run of characters, {@code ?} one character, the
 * rest literal and case-sensitive); and the action is one of its {@code actions}.
 *
 * <p>From code:
 * <pre>{@code
 * Authorizer policy = PolicyAuthorizer.builder()
 *     .allowRole("data-science", "fraud-*", Action.PREDICT, Action.READ)
 *     .allowRole("ml-platform", "*", Action.values())
 *     .denyPrincipal("intern", "*", Action.DEPLOY, Action.DELETE)
 *     .build();
 * }</pre>
 *
 * <p>Or from a JSON file ({@link #fromJson(Path)}), where {@code effect} is {@code allow} or {@code
 * deny}, either {@code principals} or {@code roles} (or both) is given, and {@code "*"} in {@code
 * actions} means every action. Unknown fields are refused, so that a misspelt rule fails loudly
 * instead of silently granting or denying nothing:
 * <pre>{@code
 * {"rules": [
 *   {"effect": "allow", "roles": ["data-science"], "models": ["fraud-*"], "actions": ["PREDICT", "READ"]},
 *   {"effect": "allow", "roles": ["ml-platform"], "models": ["*"], "actions": ["*"]},
 *   {"effect": "deny", "principals": ["intern"], "models": ["*"], "actions": ["DEPLOY", "DELETE"]}
 * ]}
 * }</pre>
 *
 * <p>Immutable and thread-safe; a decision walks the rules once and allocates nothing.
 */
public final class PolicyAuthorizer implements Authorizer {
  /** Letters, digits, '.', '_', '-' (what model names are made of) and the wildcards '*' and '?'. */
  private static final Pattern MODEL_PATTERN = Pattern.compile("[A-Za-z0-9._*?-]{1,256}");
  /** The principal entry that matches every caller. */
  private static final String EVERYONE = "*";
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final Set<String> RULE_FIELDS = Set.of("effect", "principals", "roles", "models", "actions");

  /** Whether a rule grants or takes away. */
  public enum Effect {
    /** The rule allows what it matches, unless a deny rule matches too. */
    ALLOW,
    /** The rule denies what it matches, whatever else allows it. */
    DENY
  }

  /**
   * One rule of a policy.
   *
   * @param effect whether the rule allows or denies
   * @param principals principal names it applies to ({@code "*"}: everyone); copied
   * @param roles roles it applies to (a caller holding any of them); copied
   * @param models model name patterns ({@code *} and {@code ?} wildcards); copied, at least one
   * @param actions the actions it covers; copied, at least one
   */
  public record Rule(Effect effect, Set<String> principals, Set<String> roles, List<String> models, Set<Action> actions) {
    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the rule names no principal and no role, no model
     *     pattern, no action, or a pattern with characters model names cannot hold
     */
    public Rule {
      Objects.requireNonNull(effect, "effect");
      principals = Set.copyOf(principals);
      roles = Set.copyOf(roles);
      models = List.copyOf(models);
      actions = actions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(actions));
      if (principals.isEmpty() && roles.isEmpty()) {
        throw new IllegalArgumentException("a rule must name at least one principal or role");
      }
      for (String p : principals) {
        if (p.isBlank()) {
          throw new IllegalArgumentException("a principal name in a rule must not be blank");
        }
      }
      for (String r : roles) {
        if (r.isBlank()) {
          throw new IllegalArgumentException("a role in a rule must not be blank");
        }
      }
      if (models.isEmpty()) {
        throw new IllegalArgumentException("a rule must name at least one model pattern");
      }
      for (String m : models) {
        if (!MODEL_PATTERN.matcher(m).matches()) {
          throw new IllegalArgumentException("model pattern '" + m + "' is invalid: use letters, digits, '.', '_', '-'"
              + " and the wildcards '*' and '?' (1 to 256 characters)");
        }
      }
      if (actions.isEmpty()) {
        throw new IllegalArgumentException("a rule must name at least one action");
      }
    }

    /** Whether this rule applies to {@code principal} doing {@code action} to {@code model}. */
    public boolean matches(Principal principal, Action action, String model) {
      if (!actions.contains(action) || !appliesTo(principal)) {
        return false;
      }
      for (String pattern : models) {
        if (globMatches(pattern, model)) {
          return true;
        }
      }
      return false;
    }

    private boolean appliesTo(Principal principal) {
      if (principals.contains(principal.name()) || principals.contains(EVERYONE)) {
        return true;
      }
      for (String role : principal.roles()) {
        if (roles.contains(role)) {
          return true;
        }
      }
      return false;
    }
  }

  private final List<Rule> rules;

  private PolicyAuthorizer(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** A builder for a policy; starts with no rules (which denies everything). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a policy from a JSON file (format in the class description).
   *
   * @throws InvalidInputException if the file cannot be read or is not a valid policy; the message
   *     says where
   */
  public static PolicyAuthorizer fromJson(Path file) {
    Objects.requireNonNull(file, "file");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read policy file " + file + ": " + e.getMessage(), e);
    }
    return parse(bytes, "policy file " + file);
  }

  /**
   * Reads a policy from JSON text (format in the class description).
   *
   * @throws InvalidInputException if it is not a valid policy; the message says where
   */
  public static PolicyAuthorizer fromJson(String json) {
    Objects.requireNonNull(json, "json");
    return parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "policy");
  }

  private static PolicyAuthorizer parse(byte[] json, String what) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidInputException(what + " is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException(what + " must be a JSON object with a \"rules\" array");
    }
    Iterator<String> fields = root.fieldNames();
    while (fields.hasNext()) {
      String f = fields.next();
      if (!f.equals("rules")) {
        throw new InvalidInputException(what + ": unknown field '" + f + "' (expected only \"rules\")");
      }
    }
    JsonNode rules = root.get("rules");
    if (rules == null || !rules.isArray()) {
      throw new InvalidInputException(what + " must have a \"rules\" array");
    }
    Builder b = builder();
    for (int i = 0; i < rules.size(); i++) {
      String where = what + ", rule " + i;
      try {
        b.rule(rule(rules.get(i), where));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(where + ": " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  private static Rule rule(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new InvalidInputException(where + " must be a JSON object");
    }
    Iterator<String> fields = node.fieldNames();
    while (fields.hasNext()) {
      String f = fields.next();
      if (!RULE_FIELDS.contains(f)) {
        throw new InvalidInputException(where + ": unknown field '" + f + "' (expected " + RULE_FIELDS + ")");
      }
    }
    JsonNode effect = node.get("effect");
    if (effect == null || !effect.isTextual()) {
      throw new InvalidInputException(where + ": \"effect\" must be \"allow\" or \"deny\"");
    }
    Effect e;
    switch (effect.asText().toLowerCase(Locale.ROOT)) {
      case "allow": e = Effect.ALLOW; break;
      case "deny": e = Effect.DENY; break;
      default: throw new InvalidInputException(where + ": \"effect\" must be \"allow\" or \"deny\", not '" + effect.asText() + "'");
    }
    Set<Action> actions = EnumSet.noneOf(Action.class);
    for (String a : strings(node, "actions", where)) {
      if (a.equals("*")) {
        actions.addAll(EnumSet.allOf(Action.class));
        continue;
      }
      try {
        actions.add(Action.valueOf(a.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException x) {
        throw new InvalidInputException(where + ": unknown action '" + a + "'; actions are "
            + Arrays.toString(Action.values()) + " or \"*\"");
      }
    }
    return new Rule(e, new LinkedHashSet<>(strings(node, "principals", where)),
        new LinkedHashSet<>(strings(node, "roles", where)), strings(node, "models", where), actions);
  }

  private static List<String> strings(JsonNode rule, String field, String where) {
    JsonNode n = rule.get(field);
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (!n.isArray()) {
      throw new InvalidInputException(where + ": \"" + field + "\" must be an array of strings");
    }
    for (JsonNode s : n) {
      if (!s.isTextual()) {
        throw new InvalidInputException(where + ": \"" + field + "\" must be an array of strings");
      }
      out.add(s.asText());
    }
    return out;
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().split("\n", 2)[0];
  }

  /** The rules, in the order they were given (order does not change decisions). */
  public List<Rule> rules() {
    return rules;
  }

  /** Allowed when an allow rule matches and no deny rule does. */
  @Override
  public boolean decide(Principal principal, Action action, String model) {
    boolean allowed = false;
    for (Rule r : rules) {
      if (r.matches(principal, action, model)) {
        if (r.effect() == Effect.DENY) {
          return false;
        }
        allowed = true;
      }
    }
    return allowed;
  }

  @Override
  public String toString() {
    return "PolicyAuthorizer(" + rules.size() + " rules)";
  }

  /**
   * Whether {@code name} matches {@code pattern}, where {@code *} matches any run of characters
   * (also none) and {@code ?} exactly one. Linear in practice: on a mismatch after a star, only
   * that star's match is extended.
   */
  static boolean globMatches(String pattern, String name) {
    int p = 0;
    int n = 0;
    int star = -1;
    int resume = 0;
    while (n < name.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == name.charAt(n))) {
        p++;
        n++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = n;
      } else if (star >= 0) {
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  /** Collects rules; not thread-safe. Each method validates at once. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();

    private Builder() {}

    /** Adds a rule. */
    public Builder rule(Rule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /**
     * Allows the principal named {@code principal} ({@code "*"}: everyone) to perform {@code
     * actions} on models matching {@code modelPattern}.
     *
     * @throws IllegalArgumentException if the pattern is invalid or no action is given
     */
    public Builder allowPrincipal(String principal, String modelPattern, Action... actions) {
      return add(Effect.ALLOW, Set.of(principal), Set.of(), modelPattern, actions);
    }

    /**
     * Allows every principal holding {@code role} to perform {@code actions} on models matching
     * {@code modelPattern}.
     *
     * @throws IllegalArgumentException if the pattern is invalid or no action is given
     */
    public Builder allowRole(String role, String modelPattern, Action... actions) {
      return add(Effect.ALLOW, Set.of(), Set.of(role), modelPattern, actions);
    }

    /**
     * Denies the principal named {@code principal} ({@code "*"}: everyone) {@code actions} on
     * models matching {@code modelPattern}, whatever other rules allow.
     *
     * @throws IllegalArgumentException if the pattern is invalid or no action is given
     */
    public Builder denyPrincipal(String principal, String modelPattern, Action... actions) {
      return add(Effect.DENY, Set.of(principal), Set.of(), modelPattern, actions);
    }

    /**
     * Denies every principal holding {@code role} {@code actions} on models matching {@code
     * modelPattern}, whatever other rules allow.
     *
     * @throws IllegalArgumentException if the pattern is invalid or no action is given
     */
    public Builder denyRole(String role, String modelPattern, Action... actions) {
      return add(Effect.DENY, Set.of(), Set.of(role), modelPattern, actions);
    }

    private Builder add(Effect effect, Set<String> principals, Set<String> roles, String pattern, Action... actions) {
      Objects.requireNonNull(actions, "actions");
      return rule(new Rule(effect, principals, roles, List.of(Objects.requireNonNull(pattern, "modelPattern")),
          actions.length == 0 ? Set.of() : EnumSet.copyOf(Arrays.asList(actions))));
    }

    /** The policy. Rules can be added after, for another policy; this one does not change. */
    public PolicyAuthorizer build() {
      return new PolicyAuthorizer(rules);
    }
  }
}
