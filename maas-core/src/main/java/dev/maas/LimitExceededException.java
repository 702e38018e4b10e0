package dev.maas;

import java.util.Objects;

/**
 * A request, name or document exceeded one of the service's {@link dev.maas.security.InputLimits};
 * nothing was done with it. {@link #limit()} names the limit (for example {@code
 * "maxTensorBytes"}), so that callers and logs can tell which one. Not retryable: the same input
 * exceeds the same limit again. A subclass of {@link InvalidInputException}, with its code.
 */
public class LimitExceededException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  private final String limit;
  private final long maximum;
  private final long actual;

  /**
   * Creates the exception.
   *
   * @param limit the name of the limit, as in {@link dev.maas.security.InputLimits} (e.g. {@code "maxTensorBytes"})
   * @param maximum the limit's value
   * @param actual what was found, in the same unit
   * @param what what exceeded it, e.g. {@code "input 'x'"}; the message says the rest
   */
  public LimitExceededException(String limit, long maximum, long actual, String what) {
    super(what + " is over the limit " + Objects.requireNonNull(limit, "limit") + " (" + actual + " > " + maximum + ")");
    this.limit = limit;
    this.maximum = maximum;
    this.actual = actual;
  }

  /** The name of the limit that was exceeded, e.g. {@code "maxTensorBytes"}. */
  public String limit() {
    return limit;
  }

  /** The limit's value. */
  public long maximum() {
    return maximum;
  }

  /** What was found, in the limit's unit. */
  public long actual() {
    return actual;
  }
}
