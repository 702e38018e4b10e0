package dev.maas;

/**
 * The version's bounded queue is full: the call was refused at once and nothing was run.
 * Retryable after a back-off.
 */
public class OverloadedException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which queue is full, and its capacity
   */
  public OverloadedException(String message) {
    super(ErrorCode.OVERLOADED, message, true, null);
  }
}
