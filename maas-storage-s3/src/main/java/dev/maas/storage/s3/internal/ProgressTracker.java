package dev.maas.storage.s3.internal;

import dev.maas.storage.s3.TransferListener;
import dev.maas.storage.s3.TransferProgress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the bytes of one transfer (from several part threads at once) and tells the listener,
 * at most once per {@link #REPORT_EVERY_BYTES} and once at the end, so a fast listener costs
 * nothing and a slow one cannot slow the transfer much. A listener that throws is logged once and
 * then ignored for this transfer.
 *
 * <p>Thread-safe.
 */
public final class ProgressTracker {
  /** Reports are at least this many bytes apart (except the last). */
  public static final long REPORT_EVERY_BYTES = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(ProgressTracker.class);

  private final TransferListener listener;
  private final TransferProgress.Direction direction;
  private final String bucket;
  private final String key;
  private final long total;
  private final LongSupplier nanoTime;
  private final long start;
  private final AtomicLong done = new AtomicLong();
  private long reported;
  private volatile boolean broken;

  /** Starts tracking and reports the start. */
  public ProgressTracker(TransferListener listener, TransferProgress.Direction direction, String bucket, String key,
      long total, LongSupplier nanoTime) {
    this.listener = listener;
    this.direction = direction;
    this.bucket = bucket;
    this.key = key;
    this.total = total;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
    call(Event.STARTED, snapshot(0), null);
  }

  /** Adds {@code bytes} moved just now; bytes that are sent again after a retry count again. */
  public void add(long bytes) {
    long now = done.addAndGet(bytes);
    if (now - reported >= REPORT_EVERY_BYTES) {
      synchronized (this) {
        long current = done.get();
        if (current - reported >= REPORT_EVERY_BYTES) {
          reported = current;
          call(Event.PROGRESS, snapshot(current), null);
        }
      }
    }
  }

  /** Reports the end of a successful transfer. */
  public void completed() {
    call(Event.COMPLETED, snapshot(done.get()), null);
  }

  /** Reports a failed transfer. */
  public void failed(Throwable error) {
    call(Event.FAILED, snapshot(done.get()), error);
  }

  private TransferProgress snapshot(long bytes) {
    return new TransferProgress(direction, bucket, key, bytes, total, Duration.ofNanos(nanoTime.getAsLong() - start));
  }

  private enum Event { STARTED, PROGRESS, COMPLETED, FAILED }

  private void call(Event event, TransferProgress progress, Throwable error) {
    if (broken) {
      return;
    }
    try {
      switch (event) {
        case STARTED -> listener.transferStarted(progress);
        case PROGRESS -> listener.bytesTransferred(progress);
        case COMPLETED -> listener.transferCompleted(progress);
        case FAILED -> listener.transferFailed(progress, error);
        default -> throw new AssertionError(event);
      }
    } catch (RuntimeException e) {
      broken = true;
      LOG.warn("transfer listener {} threw on {} of s3://{}/{}; it is not called again for this transfer",
          listener.getClass().getName(), event, bucket, key, e);
    }
  }
}
