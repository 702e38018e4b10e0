package dev.maas;

/** The model exists but the requested version or alias does not. Not retryable. */
public class VersionNotFoundException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the thing concerned
   */
  public VersionNotFoundException(String message) {
    super(ErrorCode.VERSION_NOT_FOUND, message, false, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the thing concerned
   * @param cause the underlying exception
   */
  public VersionNotFoundException(String message, Throwable cause) {
    super(ErrorCode.VERSION_NOT_FOUND, message, false, cause);
  }
}
