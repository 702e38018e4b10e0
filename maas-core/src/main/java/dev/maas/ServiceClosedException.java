package dev.maas;

/** The service, or the model version a call was routed to, was closed before the call could run. Not retryable on the same service. */
public class ServiceClosedException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public ServiceClosedException(String message) {
    super(ErrorCode.SERVICE_CLOSED, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public ServiceClosedException(String message, Throwable cause) {
    super(ErrorCode.SERVICE_CLOSED, message, false, cause);
  }
}
