package dev.maas;

/** The operation conflicts with the store's current state (an alias points at the version to undeploy, or a concurrent writer kept winning). Not retryable as is: re-read the state first. */
public class ConflictException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public ConflictException(String message) {
    super(ErrorCode.CONFLICT, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public ConflictException(String message, Throwable cause) {
    super(ErrorCode.CONFLICT, message, false, cause);
  }
}
