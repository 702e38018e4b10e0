package dev.maas;

import dev.maas.security.Principal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-call settings: who calls, how long the call may take, and its priority. Immutable and
 * thread-safe; derive variants with the {@code with...} methods.
 *
 * <pre>{@code
 * CallOptions opts = CallOptions.defaults().withTimeout(Duration.ofMillis(50)).withPrincipal(Principal.of("web"));
 * }</pre>
 */
public final class CallOptions {
  private static final CallOptions DEFAULTS = new CallOptions(null, null, 0, null);

  private final Principal principal;
  private final Duration timeout;
  private final int priority;
  private final String requestKey;

  private CallOptions(Principal principal, Duration timeout, int priority, String requestKey) {
    this.principal = principal;
    this.timeout = timeout;
    this.priority = priority;
    this.requestKey = requestKey;
  }

  /** No principal (the service's default applies), no timeout, priority 0. */
  public static CallOptions defaults() {
    return DEFAULTS;
  }

  /** These options with {@code principal} as the caller. */
  public CallOptions withPrincipal(Principal principal) {
    return new CallOptions(Objects.requireNonNull(principal, "principal"), timeout, priority, requestKey);
  }

  /**
   * These options with a time limit, counted from when the call is made.
   *
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public CallOptions withTimeout(Duration timeout) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return new CallOptions(principal, timeout, priority, requestKey);
  }

  /**
   * These options with a request key (a user or session id): a weighted split sends every call with
   * the same key to the same version while the split is unchanged.
   */
  public CallOptions withRequestKey(String key) {
    return new CallOptions(principal, timeout, priority, Objects.requireNonNull(key, "key"));
  }

  /** The request key, if one was set. */
  public Optional<String> requestKey() {
    return Optional.ofNullable(requestKey);
  }

  /** These options with a priority: higher runs first when requests queue; 0 is normal. */
  public CallOptions withPriority(int priority) {
    return new CallOptions(principal, timeout, priority, requestKey);
  }

  /** The caller, if one was set. */
  public Optional<Principal> principal() {
    return Optional.ofNullable(principal);
  }

  /** The time limit, if one was set. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** The priority; 0 is normal. */
  public int priority() {
    return priority;
  }

  @Override
  public String toString() {
    return "CallOptions{principal=" + (principal == null ? "default" : principal.name())
        + ", timeout=" + timeout + ", priority=" + priority + "}";
  }
}
