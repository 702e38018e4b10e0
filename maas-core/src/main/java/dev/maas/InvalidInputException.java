package dev.maas;

/** A request, tensor, name or argument was rejected before any work was done; the message names the input and what was expected. Not retryable. */
public class InvalidInputException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public InvalidInputException(String message) {
    super(ErrorCode.INVALID_INPUT, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public InvalidInputException(String message, Throwable cause) {
    super(ErrorCode.INVALID_INPUT, message, false, cause);
  }
}
