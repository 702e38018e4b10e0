package dev.maas;

/** The runtime could not load a model: a corrupt or unsupported file, an unknown operator, an input type the runtime cannot feed, or an execution provider that was required but is not available. Not retryable. */
public class ModelLoadException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public ModelLoadException(String message) {
    super(ErrorCode.MODEL_LOAD_FAILED, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public ModelLoadException(String message, Throwable cause) {
    super(ErrorCode.MODEL_LOAD_FAILED, message, false, cause);
  }
}
