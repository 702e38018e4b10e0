package dev.maas.security;

/**
 * Decides whether a principal may perform an action on a model. The service asks before it does
 * any work for a call; a call that is not allowed fails with {@link dev.maas.AccessDeniedException}
 * and is written to the audit log ({@code dev.maas.audit}).
 *
 * <p>Implementations must be thread-safe and fast: the service asks on every call, on the caller's
 * thread. They should not throw; if one does, the service treats the call as denied and logs why.
 *
 * <pre>{@code
 * ModelService.builder().authorizer(PolicyAuthorizer.fromJson(Path.of("policy.json")))
 * }</pre>
 *
 * @see PolicyAuthorizer
 */
@FunctionalInterface
public interface Authorizer {

  /**
   * Whether {@code principal} may perform {@code action} on the model named {@code model}.
   *
   * @param principal the caller: from the call's options, else the service's default principal
   * @param action what the call does
   * @param model a valid model name
   * @return true to allow the call, false to deny it
   */
  boolean decide(Principal principal, Action action, String model);

  /**
   * Allows everything to everyone: the default of an embedded service, where the code calling the
   * service is the only caller and is trusted as much as the service itself. Configure another
   * authorizer (such as a {@link PolicyAuthorizer}) as soon as callers differ in what they may do.
   */
  static Authorizer allowAll() {
    return AllowAllAuthorizer.INSTANCE;
  }
}
