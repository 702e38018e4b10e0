package dev.maas;

import dev.maas.security.Action;
import java.util.Objects;

/**
 * The service's {@link dev.maas.security.Authorizer} denied the call; nothing was done, and the
 * denial was written to the audit log. Not retryable.
 */
public class AccessDeniedException extends MaasException {
  private static final long serialVersionUID = 1L;

  private final String principal;
  private final Action action;
  private final String model;

  /**
   * Creates the exception.
   *
   * @param principal the name of the principal that was denied
   * @param action what it tried to do
   * @param model the model it tried to do it to
   */
  public AccessDeniedException(String principal, Action action, String model) {
    super(ErrorCode.ACCESS_DENIED,
        "principal '" + principal + "' may not " + action + " model '" + model + "'", false, null);
    this.principal = Objects.requireNonNull(principal, "principal");
    this.action = Objects.requireNonNull(action, "action");
    this.model = Objects.requireNonNull(model, "model");
  }

  /** The name of the principal that was denied. */
  public String principal() {
    return principal;
  }

  /** What it tried to do. */
  public Action action() {
    return action;
  }

  /** The model it tried to do it to. */
  public String model() {
    return model;
  }
}
