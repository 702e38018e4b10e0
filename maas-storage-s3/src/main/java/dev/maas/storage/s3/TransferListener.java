package dev.maas.storage.s3;

/**
 * Hears about long transfers between an {@link S3ModelStore} and S3: a blob upload or download
 * starting, making progress (about once per MiB), completing or failing. The hook for progress
 * bars (the command line) and for metrics. Every method does nothing by default; override the ones
 * you need.
 *
 * <p><b>Must be fast and must not throw.</b> Methods are called on the transfer's threads, possibly
 * on several threads at once for one transfer whose parts move in parallel; a slow listener slows
 * the transfer. A listener that throws is logged once and not called again for that transfer.
 * Manifests and aliases (small documents) are not reported.
 */
public interface TransferListener {
  /** A listener that ignores everything; the default. */
  static TransferListener none() {
    return NoTransferListener.INSTANCE;
  }

  /**
   * A transfer started; {@code progress.bytesDone()} is 0.
   *
   * @param progress the transfer, its size and elapsed time
   */
  default void transferStarted(TransferProgress progress) {}

  /**
   * More bytes moved. Bytes sent again after a retry count again, so {@code bytesDone} can exceed
   * {@code bytesTotal} on a flaky network.
   *
   * @param progress the transfer so far
   */
  default void bytesTransferred(TransferProgress progress) {}

  /**
   * The transfer finished and its content was accepted.
   *
   * @param progress the whole transfer
   */
  default void transferCompleted(TransferProgress progress) {}

  /**
   * The transfer failed; the error is also thrown (or raised from the stream) to the caller.
   *
   * @param progress the transfer up to the failure
   * @param error what went wrong
   */
  default void transferFailed(TransferProgress progress, Throwable error) {}
}

/** The listener of {@link TransferListener#none()}. */
enum NoTransferListener implements TransferListener {
  INSTANCE
}
