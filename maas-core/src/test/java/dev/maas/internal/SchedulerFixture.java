package dev.maas.internal;

import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;

/**
 * What the scheduler test classes share: a timer thread for deadlines, and schedulers of version
 * {@link SchedulerTest#V} that are shut down after each test.
 */
abstract class SchedulerFixture {
  final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-timer");
    t.setDaemon(true);
    return t;
  });
  final List<Scheduler> made = new ArrayList<>();

  @AfterEach
  void tearDown() {
    made.forEach(s -> s.shutdown(() -> { }));
    timers.shutdownNow();
  }

  /** A scheduler shut down after the test. */
  Scheduler scheduler(ArithmeticModel model, BatchingPolicy policy, Ticker ticker, ThreadFactory threads) {
    Scheduler s = new Scheduler(SchedulerTest.V, model, policy, ticker, timers, threads);
    made.add(s);
    return s;
  }

  /** A thread factory that adds each thread it makes (the scheduler's batchers) to {@code into}. */
  static ThreadFactory recording(List<Thread> into) {
    return r -> {
      Thread t = new Thread(r);
      into.add(t);
      return t;
    };
  }

  /**
   * Waits (5 s at most) until the scheduler has booked every request as done and every run slot is
   * back: the last answer of a batch can come (and a retired version's drain callback run) just
   * before the thread that answered gives the batch's slot back.
   */
  static void waitIdle(Scheduler s) throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while ((s.inFlight() != 0 || s.stats().running() != 0) && System.nanoTime() < until) {
      Thread.sleep(1);
    }
  }
}
