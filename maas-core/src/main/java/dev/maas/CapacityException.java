package dev.maas;

/**
 * A version cannot be loaded because the memory budget is taken by versions that are busy or pinned
 * by the version policy. Retryable: busy versions become idle and evictable.
 */
public class CapacityException extends MaasException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the version, its size, and the budget
   */
  public CapacityException(String message) {
    super(ErrorCode.CAPACITY, message, true, null);
  }
}
