package dev.maas.storage.s3.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Aborts transfers that stop making progress. A socket read timeout only exists on clients we
 * build, and a request timeout would cut a long, healthy download; what we want is "no byte for
 * this long", whichever client carries the bytes. One daemon thread checks every watched transfer
 * a few times per timeout and runs its abort action (which closes the connection, so the blocked
 * read fails at once).
 *
 * <p>Thread-safe. {@link #close()} stops the checking thread.
 */
public final class Watchdog implements AutoCloseable {
  private final long timeoutNanos;
  private final LongSupplier nanoTime;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private final ScheduledFuture<?> task;

  /**
   * Starts the checking thread.
   *
   * @param timeout how long a transfer may go without progress
   * @param nanoTime the time source ({@code System::nanoTime} outside tests)
   */
  public Watchdog(Duration timeout, LongSupplier nanoTime) {
    this.timeoutNanos = timeout.toNanos();
    this.nanoTime = nanoTime;
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "maas-s3-stall-watchdog");
      thread.setDaemon(true);
      return thread;
    });
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeoutNanos / 4);
    this.task = timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.NANOSECONDS);
  }

  /** The stall timeout this watchdog enforces. */
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  /**
   * Starts watching one transfer; call {@link Watch#progress()} whenever bytes move and close the
   * watch when the transfer ends.
   *
   * @param abort run once, from the watchdog's thread, if the transfer stalls
   */
  public Watch watch(Runnable abort) {
    Watch watch = new Watch(abort);
    watches.add(watch);
    return watch;
  }

  private void check() {
    long now = nanoTime.getAsLong();
    for (Watch watch : watches) {
      if (now - watch.lastProgress > timeoutNanos && !watch.stalled) {
        watch.stalled = true;
        try {
          watch.abort.run();
        } catch (RuntimeException e) {
          // Aborting a connection that is already closing can fail; the transfer fails either way.
        }
      }
    }
  }

  /** Stops the checking thread; transfers still watched are no longer aborted. Idempotent. */
  @Override
  public void close() {
    task.cancel(false);
    timer.shutdownNow();
  }

  /** One watched transfer. */
  public final class Watch implements AutoCloseable {
    private final Runnable abort;
    private volatile long lastProgress = nanoTime.getAsLong();
    private volatile boolean stalled;

    private Watch(Runnable abort) {
      this.abort = abort;
    }

    /** Records that bytes moved just now. */
    public void progress() {
      lastProgress = nanoTime.getAsLong();
    }

    /** Whether the watchdog aborted this transfer for lack of progress. */
    public boolean stalled() {
      return stalled;
    }

    /** Stops watching. */
    @Override
    public void close() {
      watches.remove(this);
    }
  }
}
