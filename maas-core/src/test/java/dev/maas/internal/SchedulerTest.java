package dev.maas.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DeadlineExceededException;
import dev.maas.InferenceException;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.OverloadedException;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.SchedulerStats;
import dev.maas.batch.Ticker;
import dev.maas.version.ModelVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scheduler's rules, on a model computed in Java so each rule can be provoked exactly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulerTest extends SchedulerFixture {
  static final ModelVersion V = new ModelVersion("m", 1);

  /** A clock the test moves by hand. */
  static final class FakeTicker implements Ticker {
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
      return now.get();
    }

    void advance(Duration d) {
      now.addAndGet(d.toNanos());
    }
  }

  Scheduler scheduler(ArithmeticModel model, BatchingPolicy policy, Ticker ticker) {
    return scheduler(model, policy, ticker, Executors.defaultThreadFactory());
  }

  static Map<String, Tensor> rows(float... firstColumn) {
    float[] v = new float[firstColumn.length * 2];
    for (int i = 0; i < firstColumn.length; i++) {
      v[2 * i] = firstColumn[i];
      v[2 * i + 1] = firstColumn[i] * 10;
    }
    return Map.of("x", Tensor.of(v, firstColumn.length, 2));
  }

  static float first(InferenceResult r) {
    return r.output("y").toFloatArray()[0];
  }

  static BatchingPolicy batching(int max, Duration delay) {
    return BatchingPolicy.defaults().withMaxBatchSize(max).withMaxQueueDelay(delay).withInstances(1);
  }

  @Test
  void aLoneRequestWaitsMaxQueueDelayAndNoLonger() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ArithmeticModel model = new ArithmeticModel(ticker);
    Scheduler s = scheduler(model, batching(8, Duration.ofMillis(100)), ticker);
    CompletableFuture<InferenceResult> f = s.submit(rows(1), 0, Long.MAX_VALUE);
    ticker.advance(Duration.ofMillis(99));
    Thread.sleep(300); // real time passes; the fake clock says 99 ms
    assertFalse(f.isDone(), "dispatched before maxQueueDelay");
    assertTrue(model.runs.isEmpty());
    ticker.advance(Duration.ofMillis(1));
    assertEquals(2f, first(f.get(5, TimeUnit.SECONDS)));
    assertEquals(1, model.runs.size());
    assertEquals(ticker.read(), model.runs.get(0).startNanos(), "ran at exactly 100 ms");
  }

  @Test
  void theDelayCountsFromArrivalNotFromPickup() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ArithmeticModel model = new ArithmeticModel(ticker);
    Scheduler s = scheduler(model, batching(8, Duration.ofMillis(100)), ticker);
    model.hold();
    CompletableFuture<InferenceResult> busy = s.submit(rows(1), 0, Long.MAX_VALUE);
    ticker.advance(Duration.ofMillis(100)); // the first batch now runs, held at the gate
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> late = s.submit(rows(2), 0, Long.MAX_VALUE);
    ticker.advance(Duration.ofMillis(150)); // it has waited longer than maxQueueDelay behind the busy batch
    model.open();
    busy.get(5, TimeUnit.SECONDS);
    // The fake clock stands still from here: the second request must go at once, not wait another 100 ms.
    assertEquals(3f, first(late.get(5, TimeUnit.SECONDS)));
  }

  @Test
  void queuedRequestsAreBatchedUpToTheMaximum() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(4, Duration.ofSeconds(10)), Ticker.systemTicker());
    model.hold();
    CompletableFuture<InferenceResult> gate = s.submit(rows(0, 0, 0, 0), 0, Long.MAX_VALUE); // a full batch: goes at once
    model.awaitFirstRun();
    List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      fs.add(s.submit(rows(i), 0, Long.MAX_VALUE));
    }
    model.open();
    gate.get(5, TimeUnit.SECONDS);
    for (int i = 0; i < 8; i++) {
      InferenceResult r = fs.get(i).get(5, TimeUnit.SECONDS);
      assertArrayEquals(new float[] {i + 2, (i + 1) * 10 + 1}, r.output("y").toFloatArray(), "row of request " + i);
      assertEquals(V, r.version());
    }
    assertEquals(3, model.runs.size());
    assertEquals(4, model.runs.get(1).x().dim(0));
    assertEquals(4, model.runs.get(2).x().dim(0));
    SchedulerStats st = s.stats();
    assertEquals(3, st.batchSizes()[4]);
    assertEquals(9, st.completed());
    assertEquals(4.0, st.meanBatchSize());
  }

  @Test
  void aPreferredSizeDispatchesAtOnce() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)).withPreferredBatchSizes(List.of(2)),
        Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(rows(1, 2), 0, Long.MAX_VALUE);
    assertEquals(2f, first(a.get(5, TimeUnit.SECONDS)), "two rows is a preferred size: no 30 s wait");
  }

  @Test
  void higherPriorityFirstFifoWithinAPriority() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(1, Duration.ZERO).withMaxBatchSize(2).withMaxQueueDelay(Duration.ZERO),
        Ticker.systemTicker());
    model.hold();
    CompletableFuture<InferenceResult> gate = s.submit(rows(0, 0), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
    int[] priorities = {0, 5, 0, 5, -3, 5};
    for (int i = 0; i < priorities.length; i++) {
      fs.add(s.submit(rows(i + 1), priorities[i], Long.MAX_VALUE));
    }
    model.open();
    gate.get(5, TimeUnit.SECONDS);
    for (CompletableFuture<InferenceResult> f : fs) {
      f.get(5, TimeUnit.SECONDS);
    }
    List<Float> order = new ArrayList<>();
    for (ArithmeticModel.Run r : model.runs.subList(1, model.runs.size())) {
      float[] x = r.x().toFloatArray();
      for (int i = 0; i < x.length; i += 2) {
        order.add(x[i]);
      }
    }
    assertEquals(List.of(2f, 4f, 6f, 1f, 3f, 5f), order);
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(1, Duration.ZERO).withQueueCapacity(2), Ticker.systemTicker());
    model.hold();
    CompletableFuture<InferenceResult> running = s.submit(rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> q1 = s.submit(rows(2), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> q2 = s.submit(rows(3), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> over = s.submit(rows(4), 0, Long.MAX_VALUE);
    assertTrue(over.isCompletedExceptionally());
    OverloadedException e = (OverloadedException) assertThrows(ExecutionException.class, over::get).getCause();
    assertTrue(e.retryable());
    assertEquals(1, s.stats().rejected());
    assertEquals(2, s.stats().queueDepth());
    model.open();
    for (CompletableFuture<InferenceResult> f : List.of(running, q1, q2)) {
      f.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anExpiredRequestIsNeverRun() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(1, Duration.ZERO), Ticker.systemTicker());
    model.hold();
    CompletableFuture<InferenceResult> running = s.submit(rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> doomed = s.submit(rows(42), 0, System.nanoTime() + 50_000_000L);
    ExecutionException e = assertThrows(ExecutionException.class, () -> doomed.get(5, TimeUnit.SECONDS));
    assertInstanceOf(DeadlineExceededException.class, e.getCause());
    model.open();
    running.get(5, TimeUnit.SECONDS);
    s.submit(rows(7), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS);
    for (ArithmeticModel.Run r : model.runs) {
      assertTrue(r.x().toFloatArray()[0] != 42f, "the expired request ran");
    }
    assertEquals(1, s.stats().expired());
  }

  @Test
  void batchFormationDoesNotWaitPastTheEarliestDeadline() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), Ticker.systemTicker());
    long deadline = System.nanoTime() + 200_000_000L;
    CompletableFuture<InferenceResult> f = s.submit(rows(1), 0, deadline);
    // Formation stops at the deadline; the request then either runs just in time or expires, never waits 30 s.
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertInstanceOf(DeadlineExceededException.class, e.getCause());
    }
  }

  /** Waits until the former has taken every queued request, i.e. it forms and waits for stragglers. */
  private static void awaitForming(Scheduler s) throws InterruptedException {
    long end = System.nanoTime() + 5_000_000_000L;
    while (s.stats().queueDepth() != 0) {
      assertTrue(System.nanoTime() - end < 0, "the former never took the queued request");
      Thread.sleep(1);
    }
    Thread.sleep(20); // and is back in its wait
  }

  @Test
  void stragglersThatFillTheBatchEndTheWaitAtOnce() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(4, Duration.ofSeconds(30)), Ticker.systemTicker());
    List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
    fs.add(s.submit(rows(1), 0, Long.MAX_VALUE));
    awaitForming(s);
    fs.add(s.submit(rows(2, 3), 0, Long.MAX_VALUE)); // 3 of 4 rows: the wait goes on
    Thread.sleep(50);
    assertEquals(0, model.runs.size(), "3 rows of 4 with 30 s to wait: nothing may run yet");
    fs.add(s.submit(rows(4), 0, Long.MAX_VALUE)); // the fourth row completes the batch
    for (int i = 0; i < fs.size(); i++) {
      fs.get(i).get(5, TimeUnit.SECONDS); // not 30 s
    }
    assertEquals(1, model.runs.size());
    assertEquals(4, model.runs.get(0).x().dim(0));
  }

  @Test
  void aStragglerReachingAPreferredSizeEndsTheWait() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)).withPreferredBatchSizes(List.of(3)),
        Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(rows(1), 0, Long.MAX_VALUE);
    awaitForming(s);
    CompletableFuture<InferenceResult> b = s.submit(rows(2, 3), 0, Long.MAX_VALUE);
    assertEquals(2f, first(a.get(5, TimeUnit.SECONDS))); // the model adds 1
    assertEquals(3f, first(b.get(5, TimeUnit.SECONDS)));
    assertEquals(1, model.runs.size());
    assertEquals(3, model.runs.get(0).x().dim(0));
  }

  @Test
  void aStragglerWithAnEarlierDeadlineShortensTheWait() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(rows(1), 0, Long.MAX_VALUE);
    awaitForming(s);
    CompletableFuture<InferenceResult> b = s.submit(rows(2), 0, System.nanoTime() + 300_000_000L);
    // The batch goes by the straggler's deadline, not the first request's 30 s: a is answered; b runs
    // just in time or expires, but is never left to wait 30 s.
    assertEquals(2f, first(a.get(5, TimeUnit.SECONDS))); // the model adds 1
    try {
      b.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertInstanceOf(DeadlineExceededException.class, e.getCause());
    }
  }

  /**
   * An interrupt from outside reaching a batcher while it waits for stragglers ends the wait (the
   * batch formed so far runs) and leaves it serving, as a pool's worker would; it must never drop
   * the requests it had taken nor keep their run slot.
   */
  @Test
  void anInterruptedBatcherRunsWhatItFormedAndKeepsServing() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    List<Thread> batchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), Ticker.systemTicker(), recording(batchers));
    CompletableFuture<InferenceResult> a = s.submit(rows(1), 0, Long.MAX_VALUE);
    awaitForming(s);
    batchers.forEach(Thread::interrupt);
    assertEquals(2f, first(a.get(5, TimeUnit.SECONDS)), "the batch formed so far runs, not after 30 s");
    waitIdle(s);
    assertEquals(0, s.stats().running(), "its run slot is given back");
    // Interrupted while idle: the interrupt is cleared, not left to cut the next batch's wait short.
    batchers.forEach(Thread::interrupt);
    Thread.sleep(20);
    assertTrue(batchers.stream().allMatch(Thread::isAlive), "the batchers keep serving");
    CompletableFuture<InferenceResult> b = s.submit(rows(2), 0, Long.MAX_VALUE);
    awaitForming(s);
    Thread.sleep(100);
    assertFalse(b.isDone(), "the next batch still waits for stragglers");
    batchers.forEach(Thread::interrupt);
    assertEquals(3f, first(b.get(5, TimeUnit.SECONDS)));
    assertEquals(2, model.runs.size());
  }

  /**
   * An {@code Error} from a batch run by a batcher fails that batch's requests and leaves the
   * batcher serving; otherwise, after as many as there are instances, submissions would wait for a
   * blocking caller to run them, or forever.
   */
  @Test
  void aBatcherOutlivesAnErrorFromABatch() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    List<Thread> batchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), Ticker.systemTicker(), recording(batchers));
    for (int i = 0; i < 3; i++) {
      CompletableFuture<InferenceResult> fatal = s.submit(rows(ArithmeticModel.FATAL), 0, Long.MAX_VALUE);
      assertInstanceOf(InferenceException.class,
          assertThrows(ExecutionException.class, () -> fatal.get(5, TimeUnit.SECONDS)).getCause());
    }
    assertEquals(2f, first(s.submit(rows(1), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS)));
    assertTrue(batchers.stream().allMatch(Thread::isAlive));
    assertEquals(3, s.stats().failed());
    waitIdle(s);
    assertEquals(0, s.stats().running());
  }

  /** A ticker that throws an Error on the reads {@code throwing} says to, else the system's time. */
  private static Ticker failing(java.util.function.BooleanSupplier throwing) {
    return () -> {
      if (throwing.getAsBoolean()) {
        throw new OutOfMemoryError("test: out of memory while a batch forms");
      }
      return System.nanoTime();
    };
  }

  @Test
  void anErrorWhileABatcherFormsFailsWhatItTookAndTheBatcherGoesOn() throws Exception {
    List<Thread> batchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger errors = new AtomicInteger(3);
    // A batcher reads the ticker first while forming, after it took the request from the queue.
    Ticker ticker = failing(() -> batchers.contains(Thread.currentThread()) && errors.getAndDecrement() > 0);
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), ticker, recording(batchers));
    for (int i = 0; i < 3; i++) {
      CompletableFuture<InferenceResult> taken = s.submit(rows(1), 0, Long.MAX_VALUE);
      assertInstanceOf(InferenceException.class,
          assertThrows(ExecutionException.class, () -> taken.get(5, TimeUnit.SECONDS)).getCause());
    }
    assertEquals(2f, first(s.submit(rows(1), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS)));
    assertTrue(batchers.stream().allMatch(Thread::isAlive));
    assertEquals(3, s.stats().failed());
    assertEquals(1, model.runs.size(), "only the last request ran");
    waitIdle(s);
    assertEquals(0, s.stats().running());
  }

  @Test
  void anErrorWhileACallerFormsReachesItAndLeavesNothingHeld() throws Exception {
    Thread caller = Thread.currentThread();
    AtomicInteger reads = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
    // The caller's first read stamps its arrival; its second is the forming's, after the request
    // left the queue.
    Ticker ticker = failing(() -> Thread.currentThread() == caller && armed.get() && reads.incrementAndGet() == 2);
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofMillis(50)), ticker, Thread::new);
    assertThrows(OutOfMemoryError.class, () -> s.call(rows(1), 0, Long.MAX_VALUE));
    armed.set(false);
    assertEquals(1, s.stats().failed());
    assertEquals(0, s.inFlight());
    assertEquals(0, s.stats().running(), "the run slot went back");
    assertEquals(3f, first(s.call(rows(2), 0, Long.MAX_VALUE)));
  }

  @Test
  void cancellingAQueuedRequestRemovesIt() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(1, Duration.ZERO), Ticker.systemTicker());
    model.hold();
    CompletableFuture<InferenceResult> running = s.submit(rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> c = s.submit(rows(13), 0, Long.MAX_VALUE);
    assertEquals(1, s.stats().queueDepth());
    assertTrue(c.cancel(true));
    assertEquals(0, s.stats().queueDepth());
    assertEquals(1, s.stats().cancelled());
    model.open();
    running.get(5, TimeUnit.SECONDS);
    s.submit(rows(2), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS);
    assertEquals(2, model.runs.size(), "the cancelled request must not run");
  }

  @Test
  void aFailingBatchFailsItsRequestsOnlyAndServingGoesOn() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(2, Duration.ofSeconds(30)), Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(rows(1), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> b = s.submit(rows(ArithmeticModel.POISON), 0, Long.MAX_VALUE);
    for (CompletableFuture<InferenceResult> f : List.of(a, b)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      assertInstanceOf(InferenceException.class, e.getCause());
      assertTrue(e.getCause().getCause().getMessage().contains("poison"), "the cause is kept");
    }
    assertEquals(6f, first(s.submit(rows(5, 6), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS)));
    assertEquals(2, s.stats().failed());
  }

  @Test
  void requestsLargerThanTheMaximumAreRefused() {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(2, Duration.ZERO), Ticker.systemTicker());
    ExecutionException e = assertThrows(ExecutionException.class, () -> s.submit(rows(1, 2, 3), 0, Long.MAX_VALUE).get());
    assertInstanceOf(InvalidInputException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("at most 2"), e.getCause().getMessage());
  }

  @Test
  void shutdownFailsWhatIsQueuedAndRetireRunsIt() throws Exception {
    for (boolean retire : new boolean[] {false, true}) {
      ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
      Scheduler s = scheduler(model, batching(1, Duration.ZERO), Ticker.systemTicker());
      model.hold();
      CompletableFuture<InferenceResult> running = s.submit(rows(1), 0, Long.MAX_VALUE);
      model.awaitFirstRun();
      CompletableFuture<InferenceResult> queued = s.submit(rows(2), 0, Long.MAX_VALUE);
      AtomicInteger drained = new AtomicInteger();
      if (retire) {
        s.retire(drained::incrementAndGet);
      } else {
        s.shutdown(drained::incrementAndGet);
      }
      ExecutionException refused = assertThrows(ExecutionException.class, () -> s.submit(rows(3), 0, Long.MAX_VALUE).get());
      assertInstanceOf(ServiceClosedException.class, refused.getCause());
      assertEquals(0, drained.get(), "a request is still running");
      model.open();
      running.get(5, TimeUnit.SECONDS);
      if (retire) {
        assertEquals(3f, first(queued.get(5, TimeUnit.SECONDS)), "retiring lets the queue drain");
      } else {
        ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
        assertInstanceOf(ServiceClosedException.class, e.getCause());
      }
      long until = System.nanoTime() + 5_000_000_000L;
      while (drained.get() == 0 && System.nanoTime() < until) {
        Thread.sleep(1);
      }
      assertEquals(1, drained.get(), "the drain action runs exactly once");
    }
  }

  @Test
  void raggedInputsArePaddedAndOutputsCutBack() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    BatchingPolicy p = batching(4, Duration.ofSeconds(30)).withPreferredBatchSizes(List.of(3))
        .withPadding("x", -1).withOutputFollows("y", "x", 1);
    Scheduler s = scheduler(model, p, Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(Map.of("x", Tensor.of(new float[] {1, 2}, 1, 2)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> b = s.submit(Map.of("x", Tensor.of(new float[] {3, 4, 5, 6}, 1, 4)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> c = s.submit(Map.of("x", Tensor.of(new float[] {7}, 1, 1)), 0, Long.MAX_VALUE);
    assertArrayEquals(new float[] {2, 3}, a.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertArrayEquals(new long[] {1, 2}, a.get().output("y").shape());
    assertArrayEquals(new float[] {4, 5, 6, 7}, b.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertArrayEquals(new float[] {8}, c.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertEquals(1, model.runs.size(), "one padded batch");
    assertArrayEquals(new float[] {1, 2, -1, -1, 3, 4, 5, 6, 7, -1, -1, -1}, model.runs.get(0).x().toFloatArray());
  }

  @Test
  void differentShapesWithoutPaddingGoToDifferentBatches() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(4, Duration.ofMillis(200)), Ticker.systemTicker());
    CompletableFuture<InferenceResult> a = s.submit(Map.of("x", Tensor.of(new float[] {1, 2}, 1, 2)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> b = s.submit(Map.of("x", Tensor.of(new float[] {3, 4, 5}, 1, 3)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> c = s.submit(Map.of("x", Tensor.of(new float[] {6, 7}, 1, 2)), 0, Long.MAX_VALUE);
    assertArrayEquals(new float[] {2, 3}, a.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertArrayEquals(new float[] {4, 5, 6}, b.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertArrayEquals(new float[] {7, 8}, c.get(5, TimeUnit.SECONDS).output("y").toFloatArray());
    assertEquals(2, model.runs.size());
    assertEquals(2, model.runs.get(0).x().dim(0), "the two [1, 2] requests share a batch");
  }

  @Test
  void batchingOffRunsOnTheCallersThread() {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, BatchingPolicy.defaults(), Ticker.systemTicker());
    assertFalse(s.batching());
    InferenceResult r = s.call(rows(1, 2, 3), 0, Long.MAX_VALUE);
    assertArrayEquals(new float[] {2, 11, 3, 21, 4, 31}, r.output("y").toFloatArray());
    assertEquals(1, s.stats().completed());
    assertEquals(0, s.stats().queueDepth());
  }
}
