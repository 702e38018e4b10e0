package dev.maas.storage.s3.internal;

import java.io.IOException;

/**
 * A transfer failed after its response started (connection cut, body shorter than announced, no
 * data within the stall timeout); the bytes already received are kept and the transfer resumes
 * from there.
 */
public final class BodyInterruptedException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, naming the object
   * @param cause the I/O error underneath, or null
   */
  public BodyInterruptedException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The same failure, its message saying how many attempts were made. */
  BodyInterruptedException afterAttempts(int attempts) {
    BodyInterruptedException e = new BodyInterruptedException(getMessage() + " (gave up after " + attempts
        + (attempts == 1 ? " attempt)" : " attempts)"), getCause());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
