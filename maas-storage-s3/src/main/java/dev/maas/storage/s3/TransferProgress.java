package dev.maas.storage.s3;

import java.time.Duration;
import java.util.Objects;

/**
 * Where one blob transfer stands: which object, how many bytes moved of how many, and for how long.
 * An immutable value.
 *
 * @param direction upload to S3 or download from it
 * @param bucket the bucket
 * @param key the object's key
 * @param bytesDone bytes moved so far (retried bytes count again)
 * @param bytesTotal the object's size
 * @param elapsed time since the transfer started
 */
public record TransferProgress(
    Direction direction, String bucket, String key, long bytesDone, long bytesTotal, Duration elapsed) {

  /** Which way the bytes move. */
  public enum Direction {
    /** From local disk to S3. */
    UPLOAD,
    /** From S3 to the caller. */
    DOWNLOAD
  }

  /** Checks the parts are present and the counts not negative. */
  public TransferProgress {
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(elapsed, "elapsed");
    if (bytesDone < 0 || bytesTotal < 0) {
      throw new IllegalArgumentException("byte counts must not be negative: " + bytesDone + " of " + bytesTotal);
    }
  }

  /** The average rate since the start, in bytes per second; 0 before any time has passed. */
  public double bytesPerSecond() {
    long nanos = elapsed.toNanos();
    return nanos <= 0 ? 0 : bytesDone * 1e9 / nanos;
  }

  /** The part done, from 0 to 1 (1 for an empty object). */
  public double fraction() {
    return bytesTotal == 0 ? 1 : Math.min(1.0, (double) bytesDone / bytesTotal);
  }
}
