package dev.maas.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InvalidInputException;
import dev.maas.testing.Fuzzing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/** The policy authorizer: deny wins, deny by default, globs, roles, and its JSON form. */
@AddLifecycleHook(Fuzzing.class)
class PolicyAuthorizerTest {
  private static final Principal ALICE = Principal.of("alice", "data-science");
  private static final Principal BOB = Principal.of("bob", "ml-platform", "contractor");
  private static final Principal ANON = Principal.ANONYMOUS;

  private static final PolicyAuthorizer POLICY = PolicyAuthorizer.builder()
      .allowRole("data-science", "fraud-*", Action.PREDICT, Action.READ)
      .allowRole("ml-platform", "*", Action.values())
      .denyRole("contractor", "fraud-secret", Action.values())
      .allowPrincipal("*", "public-?", Action.PREDICT)
      .build();

  @Example
  void rolesAndPatternsDecide() {
    assertTrue(POLICY.decide(ALICE, Action.PREDICT, "fraud-v2"));
    assertTrue(POLICY.decide(ALICE, Action.READ, "fraud-"));
    assertFalse(POLICY.decide(ALICE, Action.DEPLOY, "fraud-v2"), "not an allowed action");
    assertFalse(POLICY.decide(ALICE, Action.PREDICT, "churn"), "not a matching model");
    assertFalse(POLICY.decide(ALICE, Action.PREDICT, "Fraud-v2"), "patterns are case-sensitive");
    assertTrue(POLICY.decide(BOB, Action.DELETE, "churn"));
  }

  @Example
  void denyWinsOverAnyAllow() {
    assertTrue(POLICY.decide(BOB, Action.DEPLOY, "fraud-other"));
    assertFalse(POLICY.decide(BOB, Action.DEPLOY, "fraud-secret"), "ml-platform allows, contractor denies");
    assertFalse(POLICY.decide(BOB, Action.READ, "fraud-secret"));
  }

  @Example
  void whatNoRuleAllowsIsDenied() {
    assertFalse(POLICY.decide(ANON, Action.READ, "anything"));
    assertTrue(POLICY.decide(ANON, Action.PREDICT, "public-1"), "\"*\" is everyone, anonymous included");
    assertFalse(POLICY.decide(ANON, Action.PREDICT, "public-12"), "'?' is exactly one character");
    PolicyAuthorizer empty = PolicyAuthorizer.builder().build();
    for (Action a : Action.values()) {
      assertFalse(empty.decide(BOB, a, "m"), "a policy with no rules denies everything");
    }
  }

  @Example
  void rulesAreValidatedAsTheyAreMade() {
    var b = PolicyAuthorizer.builder();
    assertThrows(IllegalArgumentException.class, () -> b.allowRole("r", "../etc", Action.READ));
    assertThrows(IllegalArgumentException.class, () -> b.allowRole("r", "", Action.READ));
    assertThrows(IllegalArgumentException.class, () -> b.allowRole("r", "m"));
    assertThrows(IllegalArgumentException.class, () -> b.allowRole(" ", "m", Action.READ));
    assertThrows(IllegalArgumentException.class, () -> new PolicyAuthorizer.Rule(PolicyAuthorizer.Effect.ALLOW,
        Set.of(), Set.of(), List.of("m"), Set.of(Action.READ)));
  }

  @Example
  void readsTheDocumentedJson() throws Exception {
    Path file = Files.createTempFile("policy", ".json");
    Files.writeString(file, "{\"rules\": [\n"
        + "  {\"effect\": \"allow\", \"roles\": [\"data-science\"], \"models\": [\"fraud-*\"], \"actions\": [\"PREDICT\", \"read\"]},\n"
        + "  {\"effect\": \"allow\", \"roles\": [\"ml-platform\"], \"models\": [\"*\"], \"actions\": [\"*\"]},\n"
        + "  {\"effect\": \"deny\", \"roles\": [\"contractor\"], \"models\": [\"fraud-secret\"], \"actions\": [\"*\"]},\n"
        + "  {\"effect\": \"Allow\", \"principals\": [\"*\"], \"models\": [\"public-?\"], \"actions\": [\"PREDICT\"]}\n"
        + "]}");
    PolicyAuthorizer fromFile = PolicyAuthorizer.fromJson(file);
    Files.delete(file);
    assertEquals(4, fromFile.rules().size());
    for (Principal p : List.of(ALICE, BOB, ANON)) {
      for (Action a : Action.values()) {
        for (String m : List.of("fraud-v2", "fraud-secret", "churn", "public-1", "public-12")) {
          assertEquals(POLICY.decide(p, a, m), fromFile.decide(p, a, m), p + " " + a + " " + m);
        }
      }
    }
  }

  @Example
  void aMisspeltOrMalformedPolicyFailsLoudly() {
    for (String bad : List.of(
        "", "[]", "{}", "{\"rules\": {}}", "{\"rule\": []}",
        "{\"rules\": [], \"extra\": 1}",
        "{\"rules\": [{\"effect\": \"allow\", \"role\": [\"x\"], \"models\": [\"*\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": [{\"effect\": \"permit\", \"roles\": [\"x\"], \"models\": [\"*\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"roles\": [\"x\"], \"models\": [\"*\"], \"actions\": [\"WRITE\"]}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"roles\": [\"x\"], \"models\": [\"*\"], \"actions\": []}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"models\": [\"*\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"roles\": [1], \"models\": [\"*\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"roles\": [\"x\"], \"models\": [\"a/b\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": [{\"effect\": \"allow\", \"effect\": \"deny\", \"roles\": [\"x\"], \"models\": [\"*\"], \"actions\": [\"READ\"]}]}",
        "{\"rules\": []} trailing")) {
      assertThrows(InvalidInputException.class, () -> PolicyAuthorizer.fromJson(bad), bad);
    }
    assertThrows(InvalidInputException.class, () -> PolicyAuthorizer.fromJson(Path.of("/no/such/policy.json")));
  }

  // ------------------------------------------------------------------ properties

  /** The glob matcher agrees with the obvious regular expression. */
  @Property(tries = 10_000)
  void globsMatchLikeTheirRegularExpression(@ForAll("patterns") String pattern, @ForAll("names") String name) {
    String regex = pattern.chars().mapToObj(c -> c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf((char) c)))
        .reduce("", String::concat);
    assertEquals(name.matches(regex), PolicyAuthorizer.globMatches(pattern, name), pattern + " vs " + name);
  }

  /**
   * Any policy decides as its definition says: allowed iff some allow rule matches and no deny rule
   * does; and adding a deny rule never allows more.
   */
  @Property(tries = 10_000)
  void decisionsFollowTheDefinition(@ForAll("rules") List<PolicyAuthorizer.Rule> rules, @ForAll("principals") Principal who,
      @ForAll Action action, @ForAll("names") String model, @ForAll("rule") PolicyAuthorizer.Rule extra) {
    PolicyAuthorizer.Builder b = PolicyAuthorizer.builder();
    rules.forEach(b::rule);
    PolicyAuthorizer p = b.build();
    boolean allowMatches = rules.stream().anyMatch(r -> r.effect() == PolicyAuthorizer.Effect.ALLOW && r.matches(who, action, model));
    boolean denyMatches = rules.stream().anyMatch(r -> r.effect() == PolicyAuthorizer.Effect.DENY && r.matches(who, action, model));
    assertEquals(allowMatches && !denyMatches, p.decide(who, action, model));
    PolicyAuthorizer.Rule deny = new PolicyAuthorizer.Rule(PolicyAuthorizer.Effect.DENY, extra.principals(), extra.roles(),
        extra.models(), extra.actions());
    if (!p.decide(who, action, model)) {
      b.rule(deny);
      assertFalse(b.build().decide(who, action, model), "a deny rule never allows");
    }
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().withChars("abAB01.-_").ofMinLength(1).ofMaxLength(12);
  }

  @Provide
  Arbitrary<String> patterns() {
    return Arbitraries.strings().withChars("abAB01.-_**??").ofMinLength(1).ofMaxLength(10);
  }

  @Provide
  Arbitrary<Principal> principals() {
    return Combinators.combine(Arbitraries.of("alice", "bob", "anonymous"),
        Arbitraries.of("r1", "r2", "r3").set().ofMaxSize(2))
        .as((n, roles) -> new Principal(n, roles));
  }

  @Provide
  Arbitrary<PolicyAuthorizer.Rule> rule() {
    Arbitrary<Set<String>> principals = Arbitraries.of("alice", "bob", "*").set().ofMaxSize(2);
    Arbitrary<Set<String>> roles = Arbitraries.of("r1", "r2", "r3").set().ofMaxSize(2);
    return Combinators.combine(Arbitraries.of(PolicyAuthorizer.Effect.class), principals, roles,
        patterns().list().ofMinSize(1).ofMaxSize(3), Arbitraries.of(Action.class).set().ofMinSize(1))
        .filter((e, p, r, m, a) -> !p.isEmpty() || !r.isEmpty())
        .as((e, p, r, m, a) -> new PolicyAuthorizer.Rule(e, p, r, m, EnumSet.copyOf(a)));
  }

  @Provide
  Arbitrary<List<PolicyAuthorizer.Rule>> rules() {
    return rule().list().ofMaxSize(6).map(ArrayList::new);
  }
}
