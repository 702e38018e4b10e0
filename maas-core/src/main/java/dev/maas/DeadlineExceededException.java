package dev.maas;

/** The call's deadline passed before it could complete; the model was not run for it. Retryable with a new deadline. */
public class DeadlineExceededException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public DeadlineExceededException(String message) {
    super(ErrorCode.DEADLINE_EXCEEDED, message, true, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public DeadlineExceededException(String message, Throwable cause) {
    super(ErrorCode.DEADLINE_EXCEEDED, message, true, cause);
  }
}
