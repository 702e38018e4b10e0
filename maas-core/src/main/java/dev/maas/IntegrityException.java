package dev.maas;

/** A blob or manifest does not match its recorded digest or signature; the artifact is never loaded. Not retryable. */
public class IntegrityException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public IntegrityException(String message) {
    super(ErrorCode.INTEGRITY_VIOLATION, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public IntegrityException(String message, Throwable cause) {
    super(ErrorCode.INTEGRITY_VIOLATION, message, false, cause);
  }
}
