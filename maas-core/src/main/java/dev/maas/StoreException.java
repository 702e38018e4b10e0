package dev.maas;

/** The model store could not be read or written (I/O error, server unavailable). Retryable: the condition may be transient. */
public class StoreException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public StoreException(String message) {
    super(ErrorCode.STORE_UNAVAILABLE, message, true, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public StoreException(String message, Throwable cause) {
    super(ErrorCode.STORE_UNAVAILABLE, message, true, cause);
  }
}
