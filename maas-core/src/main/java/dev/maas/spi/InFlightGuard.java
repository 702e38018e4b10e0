package dev.maas.spi;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts the uses of a resource in flight so that it is freed only after the last one ends: the
 * lease that keeps a native session from being closed while a run is on it.
 *
 * <pre>{@code
 * if (!guard.tryEnter()) throw new ServiceClosedException("closed");
 * try { ... use ... } finally { guard.exit(); }
 * // elsewhere, once:
 * guard.close(); guard.awaitIdle(); free();   // or guard.close(this::free)
 * }</pre>
 *
 * <p>Lock-free on the enter/exit path. Thread-safe.
 */
public final class InFlightGuard {
  private static final long CLOSED = 1L;
  private static final long ONE = 2L;

  /** Count of uses in flight shifted left by one; the low bit says closed. */
  private final AtomicLong state = new AtomicLong();
  private final CountDownLatch idle = new CountDownLatch(1);
  private final AtomicReference<Runnable> onIdle = new AtomicReference<>();

  /** Begins a use; false (and nothing counted) if the guard is closed. */
  public boolean tryEnter() {
    for (;;) {
      long s = state.get();
      if ((s & CLOSED) != 0) {
        return false;
      }
      if (state.compareAndSet(s, s + ONE)) {
        return true;
      }
    }
  }

  /** Ends a use begun by a successful {@link #tryEnter()}. */
  public void exit() {
    for (;;) {
      long s = state.get();
      if (s < ONE) {
        throw new IllegalStateException("exit() without a matching tryEnter()");
      }
      if (state.compareAndSet(s, s - ONE)) {
        if (s - ONE == CLOSED) {
          fireIdle();
        }
        return;
      }
    }
  }

  /**
   * Closes the guard: later {@link #tryEnter()} calls fail. Returns true on the first call only.
   */
  public boolean close() {
    return close(null);
  }

  /**
   * Closes the guard and runs {@code onIdle} exactly once, when no use is in flight: at once if
   * none is, else on the thread that ends the last one. Returns true on the first call only; later
   * calls neither close again nor run their action.
   */
  public synchronized boolean close(Runnable onIdle) {
    if (isClosed()) {
      return false;
    }
    // Published before the closed bit, so the exit() that sees the bit also sees the action.
    this.onIdle.set(onIdle);
    for (;;) {
      long s = state.get();
      if ((s & CLOSED) != 0) {
        return false;
      }
      if (state.compareAndSet(s, s | CLOSED)) {
        if (s == 0) {
          fireIdle();
        }
        return true;
      }
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return (state.get() & CLOSED) != 0;
  }

  /** The number of uses in flight. */
  public long inFlight() {
    return state.get() >> 1;
  }

  /** Blocks until the guard is closed and no use is in flight. */
  public void awaitIdle() throws InterruptedException {
    idle.await();
  }

  /** Like {@link #awaitIdle()}, giving up after {@code timeout}; true if idle. */
  public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
    return idle.await(timeout, unit);
  }

  private void fireIdle() {
    Runnable r = onIdle.getAndSet(null);
    idle.countDown();
    if (r != null) {
      r.run();
    }
  }
}
