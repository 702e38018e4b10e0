package dev.maas.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class InFlightGuardTest {

  // ---------------------------------------------------------------- single-threaded contract

  @Test
  void enterAndExitCountUses() {
    InFlightGuard g = new InFlightGuard();
    assertFalse(g.isClosed());
    assertEquals(0, g.inFlight());
    assertTrue(g.tryEnter());
    assertTrue(g.tryEnter());
    assertEquals(2, g.inFlight());
    g.exit();
    assertEquals(1, g.inFlight());
    g.exit();
    assertEquals(0, g.inFlight());
  }

  @Test
  void closeWhenIdleRunsTheActionAtOnceOnTheCallingThread() throws Exception {
    InFlightGuard g = new InFlightGuard();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    assertTrue(g.close(() -> ranOn.set(Thread.currentThread())));
    assertSame(Thread.currentThread(), ranOn.get());
    assertTrue(g.isClosed());
    assertTrue(g.awaitIdle(0, TimeUnit.MILLISECONDS));
    assertFalse(g.tryEnter());
    assertEquals(0, g.inFlight());
  }

  @Test
  void closeWhileBusyRunsTheActionOnTheThreadThatEndsTheLastUse() throws Exception {
    InFlightGuard g = new InFlightGuard();
    AtomicInteger runs = new AtomicInteger();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    assertTrue(g.tryEnter());
    assertTrue(g.tryEnter());
    assertTrue(g.close(() -> {
      runs.incrementAndGet();
      ranOn.set(Thread.currentThread());
    }));
    assertEquals(0, runs.get());
    assertFalse(g.tryEnter(), "closed: no new use");
    assertEquals(2, g.inFlight(), "a failed tryEnter counts nothing");
    g.exit();
    assertEquals(0, runs.get(), "one use still in flight");
    Thread last = new Thread(g::exit, "last-exit");
    last.start();
    last.join(5_000);
    assertEquals(1, runs.get());
    assertSame(last, ranOn.get());
    assertEquals(0, g.inFlight());
  }

  @Test
  void onlyTheFirstCloseCountsAndOnlyItsActionRuns() {
    InFlightGuard g = new InFlightGuard();
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    assertTrue(g.tryEnter());
    assertTrue(g.close(first::incrementAndGet));
    assertFalse(g.close(second::incrementAndGet));
    assertFalse(g.close());
    g.exit();
    assertEquals(1, first.get());
    assertEquals(0, second.get());
    assertFalse(g.close(second::incrementAndGet));
    assertEquals(0, second.get());
    assertEquals(1, first.get());
  }

  @Test
  void plainCloseOpensAwaitIdleAfterTheLastExit() throws Exception {
    InFlightGuard g = new InFlightGuard();
    assertTrue(g.tryEnter());
    assertFalse(g.awaitIdle(0, TimeUnit.MILLISECONDS), "not closed yet");
    g.exit();
    assertFalse(g.awaitIdle(10, TimeUnit.MILLISECONDS), "idle but not closed is not idle for awaitIdle");
    assertTrue(g.close());
    assertTrue(g.awaitIdle(0, TimeUnit.MILLISECONDS));
  }

  @Test
  @Timeout(10)
  void awaitIdleReturnsOnlyAfterTheLastExit() throws Exception {
    InFlightGuard g = new InFlightGuard();
    assertTrue(g.tryEnter());
    assertTrue(g.tryEnter());
    g.close();
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch waiting = new CountDownLatch(1);
      Future<Long> woke = ex.submit(() -> {
        waiting.countDown();
        g.awaitIdle();
        return g.inFlight();
      });
      waiting.await();
      assertFalse(g.awaitIdle(50, TimeUnit.MILLISECONDS));
      assertFalse(woke.isDone());
      g.exit();
      assertFalse(g.awaitIdle(50, TimeUnit.MILLISECONDS));
      assertFalse(woke.isDone());
      g.exit();
      assertEquals(0L, woke.get(5, TimeUnit.SECONDS));
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void exitWithoutEnterThrows() {
    assertThrows(IllegalStateException.class, () -> new InFlightGuard().exit());
    InFlightGuard closed = new InFlightGuard();
    closed.close();
    assertThrows(IllegalStateException.class, closed::exit);
    InFlightGuard once = new InFlightGuard();
    assertTrue(once.tryEnter());
    once.exit();
    assertThrows(IllegalStateException.class, once::exit);
  }

  @Test
  void aStrayExitLeavesTheGuardUsable() {
    InFlightGuard g = new InFlightGuard();
    assertThrows(IllegalStateException.class, g::exit);
    assertEquals(0, g.inFlight());
    assertTrue(g.tryEnter());
    g.exit();
    AtomicInteger runs = new AtomicInteger();
    assertTrue(g.close(runs::incrementAndGet));
    assertEquals(1, runs.get());
    assertThrows(IllegalStateException.class, g::exit);
    assertEquals(0, g.inFlight());
    assertTrue(g.isClosed());
  }

  // ---------------------------------------------------------------- under load

  private static final int USERS = 16;
  private static final int USES_PER_USER = 100_000;
  private static final int CLOSERS = 4;

  /**
   * Sixteen users enter and exit in a loop while four closers race to close at a random point.
   * The guarded region keeps its own count of users inside it; the idle action checks it is zero.
   */
  @Test
  @Timeout(60)
  void hammer() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 3; round++) {
      // Close anywhere from "before anyone entered" to "well into the run".
      long closeAt = round == 0 ? 0 : random.nextLong((long) USERS * USES_PER_USER / 2);
      hammerOnce(closeAt, "seed " + seed + ", round " + round + ", closeAt " + closeAt);
    }
  }

  private static void hammerOnce(long closeAt, String context) throws Exception {
    InFlightGuard g = new InFlightGuard();
    AtomicInteger inside = new AtomicInteger();
    AtomicLong entered = new AtomicLong();
    AtomicInteger idleRuns = new AtomicInteger();
    AtomicInteger closeWins = new AtomicInteger();
    AtomicLong enteredAfterClose = new AtomicLong();
    AtomicReference<String> idleProblem = new AtomicReference<>();
    // Set once some close() has returned: from then on no tryEnter may succeed.
    AtomicInteger closeReturned = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(USERS + CLOSERS);

    ExecutorService pool = Executors.newFixedThreadPool(USERS + CLOSERS);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int u = 0; u < USERS; u++) {
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < USES_PER_USER; i++) {
            boolean closedBefore = closeReturned.get() != 0;
            if (g.tryEnter()) {
              if (closedBefore) {
                enteredAfterClose.incrementAndGet();
              }
              inside.incrementAndGet();
              entered.incrementAndGet();
              if ((i & 63) == 0) {
                Thread.yield();
              }
              inside.decrementAndGet();
              g.exit();
            }
          }
          return null;
        }));
      }
      for (int c = 0; c < CLOSERS; c++) {
        futures.add(pool.submit(() -> {
          start.await();
          while (entered.get() < closeAt) {
            Thread.onSpinWait();
          }
          boolean won = g.close(() -> {
            idleRuns.incrementAndGet();
            if (inside.get() != 0 || g.inFlight() != 0 || !g.isClosed()) {
              idleProblem.compareAndSet(null,
                  "idle action ran with " + inside.get() + " inside, inFlight " + g.inFlight() + ", closed " + g.isClosed());
            }
          });
          closeReturned.set(1);
          if (won) {
            closeWins.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertTrue(g.awaitIdle(5, TimeUnit.SECONDS), context);
    assertNull(idleProblem.get(), context);
    assertEquals(1, idleRuns.get(), "idle action runs exactly once; " + context);
    assertEquals(1, closeWins.get(), "close() returns true exactly once; " + context);
    assertEquals(0, enteredAfterClose.get(), "tryEnter succeeded after close() returned; " + context);
    assertEquals(0, g.inFlight(), context);
    assertEquals(0, inside.get(), context);
    assertTrue(g.isClosed());
    assertFalse(g.tryEnter());
  }
}
