package dev.maas.batch;

/**
 * A source of nanosecond time for queue delays and deadlines; tests pass a fake one to control time
 * exactly. Only differences between two readings mean anything.
 */
@FunctionalInterface
public interface Ticker {
  /** The current time in nanoseconds, from an arbitrary origin. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker systemTicker() {
    return System::nanoTime;
  }
}
