package dev.maas;

import java.util.Objects;

/**
 * The root of every exception maas throws. Unchecked; carries a machine-readable {@link #code()}
 * and says whether repeating the same call may succeed ({@link #retryable()}).
 *
 * <p>Checked exceptions of the libraries underneath (ONNX Runtime, the AWS SDK, {@code java.io})
 * are wrapped at the module edge with the original kept as {@link #getCause()}.
 */
public class MaasException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final boolean retryable;

  /**
   * Creates an exception.
   *
   * @param code the machine-readable cause
   * @param message a sentence a person can act on
   * @param retryable whether the same call may succeed later
   * @param cause the underlying exception, or null
   */
  public MaasException(ErrorCode code, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.retryable = retryable;
  }

  /** The machine-readable cause. */
  public ErrorCode code() {
    return code;
  }

  /** Whether repeating the same call, unchanged, may succeed (after a back-off). */
  public boolean retryable() {
    return retryable;
  }
}
