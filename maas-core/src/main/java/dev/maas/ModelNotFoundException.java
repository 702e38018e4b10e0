package dev.maas;

/** No model of the requested name exists in the store. Not retryable. */
public class ModelNotFoundException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public ModelNotFoundException(String message) {
    super(ErrorCode.MODEL_NOT_FOUND, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public ModelNotFoundException(String message, Throwable cause) {
    super(ErrorCode.MODEL_NOT_FOUND, message, false, cause);
  }
}
