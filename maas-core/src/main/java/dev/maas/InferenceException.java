package dev.maas;

/** The runtime failed while running a loaded model; the cause is kept. Not retryable: the same input fails the same way. */
public class InferenceException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public InferenceException(String message) {
    super(ErrorCode.INFERENCE_FAILED, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public InferenceException(String message, Throwable cause) {
    super(ErrorCode.INFERENCE_FAILED, message, false, cause);
  }
}
