package dev.maas.internal;

import static dev.maas.internal.SchedulerTest.first;
import static dev.maas.internal.SchedulerTest.rows;
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
import dev.maas.MaasException;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.SchedulerStats;
import dev.maas.batch.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A blocking caller that finds an instance free runs the next batch itself (caller-runs): on its own
 * thread, under the rules a batcher follows, racing with queued work, deadlines, cancellation and
 * shutdown. Several tests give the scheduler batcher threads that never run ("no batchers"), so that
 * only callers can run what is queued and each rule can be provoked exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulerCallerRunsTest extends SchedulerFixture {
  /** Batcher threads that exit at once: queued work runs only when a caller runs it. */
  static final ThreadFactory NO_BATCHERS = r -> new Thread(() -> { }, "idle-batcher");

  Scheduler scheduler(ArithmeticModel model, BatchingPolicy policy, ThreadFactory threads) {
    return scheduler(model, policy, Ticker.systemTicker(), threads);
  }

  static BatchingPolicy batching(int max, Duration delay) {
    return BatchingPolicy.defaults().withMaxBatchSize(max).withMaxQueueDelay(delay).withInstances(1);
  }

  /** Runs {@code s.call} on a new thread named {@code name}; the future holds its result or failure. */
  static CompletableFuture<InferenceResult> callOn(String name, Scheduler s, Map<String, Tensor> in, int priority,
      long deadline) {
    CompletableFuture<InferenceResult> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(s.call(in, priority, deadline));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return f;
  }

  @Test
  void aCallerFindingTheInstanceFreeRunsOnItsOwnThreadWithBatchingOn() {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), Executors.defaultThreadFactory());
    InferenceResult r = s.call(rows(5), 0, Long.MAX_VALUE);
    assertEquals(6f, first(r));
    assertEquals(Thread.currentThread().getName(), model.runs.get(0).thread(), "no hand-off to a batcher");
    SchedulerStats st = s.stats();
    assertEquals(1, st.completed());
    assertEquals(1, st.batches());
    assertEquals(1, st.batchSizes()[1]);
    assertEquals(0, s.inFlight());
  }

  @Test
  void theCallersOwnBatchKeepsTheRulesOfAQueuedRequest() {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(2, Duration.ZERO), Executors.defaultThreadFactory());
    assertThrows(InvalidInputException.class, () -> s.call(rows(1, 2, 3), 0, Long.MAX_VALUE), "over maxBatchSize");
    assertThrows(InvalidInputException.class,
        () -> s.call(Map.of("x", Tensor.of(new float[] {1f}).reshape()), 0, Long.MAX_VALUE), "a scalar has no rows");
    assertThrows(DeadlineExceededException.class, () -> s.call(rows(1), 0, System.nanoTime() - 1));
    assertTrue(model.runs.isEmpty());
    assertEquals(1, s.stats().expired());
    assertEquals(0, s.inFlight());
  }

  /**
   * A caller that leaves by an {@code Error} from a batch it led, while its own request is still
   * queued, withdraws that request: nobody would read its answer, and in a later batch's tree of
   * wake-ups it would be a helper that never helps.
   */
  @Test
  void aCallerLeavingByAnErrorWithdrawsItsQueuedRequest() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), NO_BATCHERS);
    // Of another width than the caller's rows: the caller leads it as a batch of its own.
    CompletableFuture<InferenceResult> fatal =
        s.submit(Map.of("x", Tensor.of(new float[] {ArithmeticModel.FATAL, 0, 0}, 1, 3)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> leader = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> leader.get(5, TimeUnit.SECONDS));
    assertEquals(Error.class, e.getCause().getClass(), "the Error reaches the caller that ran the batch");
    assertInstanceOf(InferenceException.class,
        assertThrows(ExecutionException.class, () -> fatal.get(1, TimeUnit.SECONDS)).getCause());
    assertEquals(0, s.inFlight(), "the leader's own request is withdrawn, not left queued");
    assertEquals(1, s.stats().cancelled());
    assertEquals(3f, first(s.call(rows(2), 0, Long.MAX_VALUE)));
    assertEquals(2, model.runs.size(), "the fatal batch, then the later call alone: the withdrawn request never ran");
    assertEquals(0, s.stats().running());
  }

  /**
   * A batch whose outputs fail while they are answered (a faulty runtime's output map) fails its
   * requests with a typed exception, on every path a request can take, and leaves no request
   * unanswered, no slot held and no caller waiting.
   */
  @Test
  void outputsThatFailWhileAnsweredFailTheirRequestsAndServingGoesOn() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    // Alone on the caller's thread (no straggler wait, nothing queued).
    Scheduler alone = scheduler(model, batching(8, Duration.ZERO), Executors.defaultThreadFactory());
    assertThrows(InferenceException.class, () -> alone.call(rows(ArithmeticModel.MALFORMED), 0, Long.MAX_VALUE));
    assertEquals(1, alone.stats().failed());
    assertEquals(0, alone.stats().completed());
    assertEquals(1, alone.stats().batches(), "the run is counted, as on the queued path");
    assertEquals(2f, first(alone.call(rows(1), 0, Long.MAX_VALUE)));

    // Queued, then run by its own caller as a batch of one.
    Scheduler led = scheduler(model, batching(8, Duration.ofMillis(1)), NO_BATCHERS);
    CompletableFuture<InferenceResult> own = callOn("own", led, rows(ArithmeticModel.MALFORMED), 0, Long.MAX_VALUE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> own.get(5, TimeUnit.SECONDS));
    assertInstanceOf(InferenceException.class, e.getCause());
    assertEquals(0, led.inFlight());
    assertEquals(0, led.stats().running(), "the run slot is given back");
    assertEquals(1, led.stats().batches());

    // Submitted, then run as a batch of its own by another caller, who still gets its answer.
    Scheduler other = scheduler(model, batching(8, Duration.ZERO), NO_BATCHERS);
    CompletableFuture<InferenceResult> async =
        other.submit(Map.of("x", Tensor.of(new float[] {ArithmeticModel.MALFORMED, 0, 0}, 1, 3)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> leader = callOn("leader", other, rows(1), 0, Long.MAX_VALUE);
    assertEquals(2f, first(leader.get(5, TimeUnit.SECONDS)));
    assertInstanceOf(InferenceException.class,
        assertThrows(ExecutionException.class, () -> async.get(5, TimeUnit.SECONDS)).getCause());
    assertEquals(1, other.stats().failed());
    assertEquals(1, other.stats().completed());
    assertEquals(0, other.inFlight());
    assertEquals(0, other.stats().running());
  }

  /**
   * Once retired and drained, a version's batcher threads end, whoever emptied the queue. Here the
   * batcher is parked (the instance is busy with a caller's run) when the last queued request is
   * cancelled: nothing is left to run, and nothing else would wake it.
   */
  @Test
  void retiredAndDrainedTheBatchersEnd() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    List<Thread> batchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), recording(batchers));
    model.hold();
    CompletableFuture<InferenceResult> alone = callOn("alone", s, rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> queued = s.submit(rows(2), 0, Long.MAX_VALUE);
    CountDownLatch drained = new CountDownLatch(1);
    s.retire(drained::countDown);
    assertTrue(queued.cancel(true));
    model.open();
    assertEquals(2f, first(alone.get(5, TimeUnit.SECONDS)));
    assertTrue(drained.await(5, TimeUnit.SECONDS));
    for (Thread t : batchers) {
      t.join(5_000);
      assertFalse(t.isAlive(), "batcher " + t.getName() + " still parked after the version drained");
    }
  }

  /**
   * An {@code Error} while a batch is answered (out of memory, say) reaches the caller that ran the
   * batch, like one from the model, but only after every request the batch claimed has failed.
   */
  @Test
  void anErrorWhileAnsweringFailsWhatTheBatchClaimedFirst() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), NO_BATCHERS);
    CompletableFuture<InferenceResult> async = s.submit(
        Map.of("x", Tensor.of(new float[] {ArithmeticModel.MALFORMED_FATAL, 0, 0}, 1, 3)), 0, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> leader = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> leader.get(5, TimeUnit.SECONDS));
    assertEquals(OutOfMemoryError.class, e.getCause().getClass(), "the Error reaches the caller that ran the batch");
    assertInstanceOf(InferenceException.class,
        assertThrows(ExecutionException.class, () -> async.get(5, TimeUnit.SECONDS)).getCause());
    assertEquals(0, s.inFlight());
    assertEquals(0, s.stats().running());
    assertEquals(3f, first(s.call(rows(2), 0, Long.MAX_VALUE)), "serving goes on");
  }

  @Test
  void aCallerRunsWhatIsQueuedInPriorityThenFifoOrderWithItsOwnRequest() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), NO_BATCHERS);
    CompletableFuture<InferenceResult> low = s.submit(rows(1), -1, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> high = s.submit(rows(2), 5, Long.MAX_VALUE);
    CompletableFuture<InferenceResult> mid = s.submit(rows(3), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    assertFalse(low.isDone() || high.isDone() || mid.isDone(), "nothing runs without a batcher or a caller");
    InferenceResult mine = s.call(rows(4), 0, Long.MAX_VALUE);
    assertEquals(5f, first(mine));
    assertEquals(2f, first(low.get(1, TimeUnit.SECONDS)));
    assertEquals(3f, first(high.get(1, TimeUnit.SECONDS)));
    assertEquals(4f, first(mid.get(1, TimeUnit.SECONDS)));
    assertEquals(1, model.runs.size(), "one batch of all four");
    assertArrayEquals(new float[] {2, 20, 3, 30, 4, 40, 1, 10}, model.runs.get(0).x().toFloatArray(),
        "priority first, FIFO within a priority; the caller's own request after the earlier one of its priority");
    assertEquals(Thread.currentThread().getName(), model.runs.get(0).thread());
    assertEquals(4, s.stats().completed());
    assertEquals(0, s.inFlight());
  }

  @Test
  void aCallerWhoseDeadlinePassedStopsLeadingOtherRequestsBatches() throws Exception {
    SchedulerTest.FakeTicker ticker = new SchedulerTest.FakeTicker();
    ArithmeticModel model = new ArithmeticModel(ticker);
    Scheduler s = scheduler(model, batching(1, Duration.ZERO), ticker, NO_BATCHERS);
    List<CompletableFuture<InferenceResult>> ahead = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      ahead.add(s.submit(rows(i), 0, Long.MAX_VALUE));
    }
    model.hold();
    long deadline = ticker.read() + Duration.ofMillis(10).toNanos();
    CompletableFuture<InferenceResult> mine = callOn("mine", s, rows(9), 0, deadline);
    model.awaitFirstRun();
    ticker.advance(Duration.ofSeconds(1)); // the deadline passes while the caller runs the first request ahead
    model.open();

    ExecutionException e = assertThrows(ExecutionException.class, () -> mine.get(10, TimeUnit.SECONDS));
    assertInstanceOf(DeadlineExceededException.class, e.getCause());
    assertEquals(1, model.runs.size(), "past its deadline the caller ran no further batch of others");
    assertEquals(2f, first(ahead.get(0).get(1, TimeUnit.SECONDS)));
    assertFalse(ahead.get(1).isDone() || ahead.get(2).isDone(), "left queued for the next caller or batcher");
    assertEquals(1, s.stats().expired());
  }

  @Test
  void aCallerBehindAFullBatchRunsBatchesUntilItsOwnHasRun() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(2, Duration.ZERO), NO_BATCHERS);
    List<CompletableFuture<InferenceResult>> ahead = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ahead.add(s.submit(rows(i), 0, Long.MAX_VALUE));
    }
    assertEquals(7f, first(s.call(rows(6), 0, Long.MAX_VALUE)));
    for (int i = 0; i < 5; i++) {
      assertEquals(i + 2f, first(ahead.get(i).get(1, TimeUnit.SECONDS)));
    }
    assertEquals(3, model.runs.size(), "batches of 2, 2 and 2, in arrival order");
    assertArrayEquals(new float[] {1, 10, 2, 20}, model.runs.get(0).x().toFloatArray());
    assertArrayEquals(new float[] {5, 50, 6, 60}, model.runs.get(2).x().toFloatArray());
    for (ArithmeticModel.Run r : model.runs) {
      assertEquals(Thread.currentThread().getName(), r.thread());
    }
  }

  @Test
  void aLeadingCallerWaitsMaxQueueDelayForStragglersLikeABatcher() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(4, Duration.ofMillis(300)), NO_BATCHERS);
    long t0 = System.nanoTime();
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    CompletableFuture<InferenceResult> straggler = s.submit(rows(2), 0, Long.MAX_VALUE);
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)));
    assertEquals(3f, first(straggler.get(5, TimeUnit.SECONDS)));
    assertEquals(1, model.runs.size(), "the straggler joined the caller's batch");
    assertEquals(2, model.runs.get(0).x().dim(0));
    assertEquals("leader", model.runs.get(0).thread());
    assertTrue(model.runs.get(0).startNanos() - t0 >= 290_000_000L, "waited the delay");
  }

  @Test
  void aFullBatchGoesAtOnceAndTheCallerDoesNotWaitTheDelay() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(2, Duration.ofSeconds(30)), NO_BATCHERS);
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    CompletableFuture<InferenceResult> second = s.submit(rows(2), 0, Long.MAX_VALUE);
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)));
    assertEquals(3f, first(second.get(5, TimeUnit.SECONDS)));
  }

  @Test
  void aLeadingCallerDoesNotWaitPastADeadlineInItsBatchAndNeverRunsAnExpiredRequest() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), NO_BATCHERS);
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    CompletableFuture<InferenceResult> doomed = s.submit(rows(42), 0, System.nanoTime() + 100_000_000L);
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)), "formation ended at the straggler's deadline");
    ExecutionException e = assertThrows(ExecutionException.class, () -> doomed.get(5, TimeUnit.SECONDS));
    assertInstanceOf(DeadlineExceededException.class, e.getCause());
    for (ArithmeticModel.Run r : model.runs) {
      for (float v : r.x().toFloatArray()) {
        assertTrue(v != 42f, "the expired request ran");
      }
    }
    assertEquals(1, s.stats().expired());
  }

  @Test
  void aCallersOwnDeadlineExpiresItWhileQueuedBehindABusyInstance() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), Executors.defaultThreadFactory());
    model.hold();
    CompletableFuture<InferenceResult> busy = s.submit(rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> late = callOn("late", s, rows(42), 0, System.nanoTime() + 50_000_000L);
    ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
    assertInstanceOf(DeadlineExceededException.class, e.getCause());
    model.open();
    busy.get(5, TimeUnit.SECONDS);
    assertEquals(1, model.runs.size(), "the expired call never ran");
  }

  @Test
  void aRequestCancelledWhileACallerFormsIsNotRun() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofMillis(300)), NO_BATCHERS);
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    CompletableFuture<InferenceResult> gone = s.submit(rows(42), 0, Long.MAX_VALUE);
    Thread.sleep(20); // taken into the forming batch by now (or still queued: either way it must not run)
    assertTrue(gone.cancel(true));
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)));
    assertThrows(CancellationException.class, gone::join);
    assertEquals(1, model.runs.size());
    assertEquals(1, model.runs.get(0).x().dim(0), "the cancelled request was dropped from the batch");
    waitIdle(s);
    assertEquals(1, s.stats().cancelled());
    assertEquals(1, s.stats().completed());
  }

  @Test
  void shutdownWhileACallerRunsABatchLetsItFinishFailsTheQueuedAndDrainsAfterIt() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(1 + 1, Duration.ZERO), NO_BATCHERS);
    model.hold();
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    CompletableFuture<InferenceResult> queued = s.submit(rows(2), 0, Long.MAX_VALUE);
    CountDownLatch drained = new CountDownLatch(1);
    s.shutdown(drained::countDown);
    ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
    assertInstanceOf(ServiceClosedException.class, e.getCause());
    assertFalse(drained.await(50, TimeUnit.MILLISECONDS), "drained while the caller's batch still runs");
    assertThrows(ServiceClosedException.class, () -> s.call(rows(3), 0, Long.MAX_VALUE));
    model.open();
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)));
    assertTrue(drained.await(5, TimeUnit.SECONDS));
    assertEquals(0, s.inFlight());
  }

  @Test
  void retireWhileACallerFormsRunsWhatItHolds() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), NO_BATCHERS);
    CompletableFuture<InferenceResult> caller = callOn("leader", s, rows(1), 0, Long.MAX_VALUE);
    Thread.sleep(50);
    CountDownLatch drained = new CountDownLatch(1);
    s.retire(drained::countDown);
    assertEquals(2f, first(caller.get(5, TimeUnit.SECONDS)), "retiring ends the straggler wait");
    assertTrue(drained.await(5, TimeUnit.SECONDS));
  }

  @Test
  void aFailingBatchRunByACallerFailsEveryRequestInItAndServingGoesOn() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), NO_BATCHERS);
    CompletableFuture<InferenceResult> queued = s.submit(rows(ArithmeticModel.POISON), 0, Long.MAX_VALUE);
    assertThrows(InferenceException.class, () -> s.call(rows(1), 0, Long.MAX_VALUE));
    ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
    assertInstanceOf(InferenceException.class, e.getCause());
    assertEquals(3f, first(s.call(rows(2), 0, Long.MAX_VALUE)));
    assertEquals(2, s.stats().failed());
    assertEquals(0, s.inFlight());
  }

  /**
   * A batch of many blocking callers is woken as a tree (its runner wakes two, each woken caller
   * more): every caller gets its own rows, the asynchronous submissions in the same batch complete
   * too, and the last wake-up gives the instance back, so the next call runs. A caller that did not
   * help, or a slot never given back, fails it (every wait is bounded).
   */
  @Test
  void aBatchOfManyBlockingCallersWakesEveryCallerAndGivesItsInstanceBack() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(32, Duration.ZERO), Executors.defaultThreadFactory());
    CompletableFuture<InferenceResult> blocker = blockerHolding(model, s);
    List<CompletableFuture<InferenceResult>> requests = new ArrayList<>(); // every fifth asynchronous
    for (int i = 1; i <= 20; i++) {
      requests.add(i % 5 == 0 ? s.submit(rows(i), 0, Long.MAX_VALUE)
          : callOn("caller-" + i, s, rows(i), 0, Long.MAX_VALUE));
    }
    awaitQueued(s, 20);
    model.open();
    assertEquals(1001f, first(blocker.get(5, TimeUnit.SECONDS)));
    for (int i = 1; i <= 20; i++) {
      CompletableFuture<InferenceResult> f = requests.get(i - 1);
      assertArrayEquals(new float[] {i + 1f, i * 10 + 1f}, f.get(5, TimeUnit.SECONDS).output("y").toFloatArray(),
          "request " + i);
    }
    assertEquals(2, model.runs.size(), "the blocker alone, then one batch of the 20");
    assertEquals(20, model.runs.get(1).x().dim(0));
    assertEquals(22f, first(callOn("after", s, rows(21), 0, Long.MAX_VALUE).get(5, TimeUnit.SECONDS)),
        "the instance is free again");
    waitIdle(s);
    assertEquals(0, s.stats().running());
    assertEquals(22, s.stats().completed());
  }

  /**
   * With the next full batch already queued, a batch gives its instance back before its callers are
   * woken (the next batch runs meanwhile) and its wake-up tree must not give it back again; the last
   * batch's tree does. Retiring the scheduler while the callers are queued: the model is closed
   * once, after the last of them is answered, whichever thread answers it.
   */
  @Test
  void treesOfWakeUpsGiveTheInstanceBackExactlyOnceAndTheRetiredModelClosesOnceAfterTheLast() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(3, Duration.ZERO), Executors.defaultThreadFactory());
    CompletableFuture<InferenceResult> blocker = blockerHolding(model, s);
    List<CompletableFuture<InferenceResult>> callers = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      callers.add(callOn("caller-" + i, s, rows(i), 0, Long.MAX_VALUE));
      awaitQueued(s, i); // one at a time: the batches are 1-3, 4-6 and 7-9
    }
    AtomicInteger drained = new AtomicInteger();
    s.retire(drained::incrementAndGet);
    assertEquals(0, drained.get(), "ten requests still to answer");
    model.open();
    assertAnswered(blocker, callers);
    waitIdle(s);
    assertEquals(4, model.runs.size(), "the blocker, then three batches of three");
    assertEquals(1, drained.get(), "closed once, after the last answer");
    assertEquals(0, s.stats().running(), "each batch gave its instance back exactly once");
    assertEquals(10, s.stats().completed());
  }

  /**
   * Closing a retired model runs on the thread that answers its last request, which may be a caller
   * helping its batch awake: a close that fails is logged, and every caller keeps its answer.
   */
  @Test
  void aFailingCloseAfterTheLastAnswerLeavesEveryCallersResult() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ZERO), Executors.defaultThreadFactory());
    CompletableFuture<InferenceResult> blocker = blockerHolding(model, s);
    List<CompletableFuture<InferenceResult>> callers = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      callers.add(callOn("caller-" + i, s, rows(i), 0, Long.MAX_VALUE));
    }
    awaitQueued(s, 6);
    AtomicInteger closes = new AtomicInteger();
    s.retire(() -> {
      closes.incrementAndGet();
      throw new IllegalStateException("close failed");
    });
    model.open();
    assertAnswered(blocker, callers);
    waitIdle(s);
    assertEquals(1, closes.get());
    assertEquals(0, s.stats().running());
  }

  /**
   * Many blocking callers in a closed loop, batches up to 64, one or two instances: the woken callers
   * wake the rest of their batch while other batches form and run. Every call returns its own rows
   * within the bound, and the books agree.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void blockingCallersInAClosedLoopAreAllAnsweredWithTheirOwnRows(int instances) throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    model.runNanos = 100_000; // long enough for the callers to queue into batches
    Scheduler s = scheduler(model, BatchingPolicy.defaults().withMaxBatchSize(instances == 1 ? 64 : 16)
        .withMaxQueueDelay(Duration.ZERO).withInstances(instances), Executors.defaultThreadFactory());
    int threads = 48;
    int perThread = 150;
    AtomicInteger ids = new AtomicInteger();
    List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            float id = ids.incrementAndGet();
            float got = first(s.call(rows(id), 0, Long.MAX_VALUE));
            if (got != id + 1) {
              errors.add("sent " + id + " got " + got);
            }
          }
        } catch (Throwable e) {
          errors.add(e.toString());
        }
      }, "loop-" + t);
      th.setDaemon(true);
      th.start();
      ts.add(th);
    }
    start.countDown();
    for (Thread th : ts) {
      th.join(30_000);
      assertFalse(th.isAlive(), "a caller hangs");
    }
    waitIdle(s);
    assertEquals(List.of(), errors);
    SchedulerStats st = s.stats();
    assertEquals(threads * perThread, st.completed());
    assertEquals(0, st.running(), "every batch gave its instance back");
    assertEquals(0, s.inFlight());
    assertTrue(st.meanBatchSize() > 4, "the test is meant to form batches of many callers: " + st);
  }

  @Test
  void anInterruptedLeadingCallerStopsWaitingForStragglersAndKeepsTheInterrupt() throws Exception {
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    Scheduler s = scheduler(model, batching(8, Duration.ofSeconds(30)), NO_BATCHERS);
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    AtomicReference<Float> got = new AtomicReference<>();
    Thread t = new Thread(() -> {
      got.set(first(s.call(rows(1), 0, Long.MAX_VALUE)));
      stillInterrupted.set(Thread.currentThread().isInterrupted());
    }, "leader");
    t.start();
    Thread.sleep(50);
    t.interrupt();
    t.join(5000);
    assertFalse(t.isAlive());
    assertEquals(2f, got.get());
    assertTrue(stillInterrupted.get());
  }

  /**
   * Many callers and asynchronous submitters at once, with random batch limits, delays, instances,
   * priorities, deadlines, cancellations and failing requests, and sometimes a shutdown midway: every
   * request ends exactly once, answered ones with exactly their own rows, and the books agree.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void callersAndSubmittersRacingCompleteEveryRequestExactlyOnceWithItsOwnRows(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    BatchingPolicy policy = BatchingPolicy.defaults().withMaxBatchSize(1 + rnd.nextInt(8))
        .withMaxQueueDelay(Duration.ofMillis(rnd.nextInt(3))).withInstances(1 + rnd.nextInt(2))
        .withQueueCapacity(10_000);
    Scheduler s = scheduler(model, policy, Executors.defaultThreadFactory());
    boolean shutdownMidway = seed % 4 == 0;
    int threads = 12;
    int perThread = 300;
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger failedOk = new AtomicInteger();
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger completions = new AtomicInteger();
    List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger ids = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    List<CompletableFuture<InferenceResult>> async = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      long threadSeed = rnd.nextLong();
      boolean submitter = t % 3 == 0;
      Thread th = new Thread(() -> {
        SplittableRandom r = new SplittableRandom(threadSeed);
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          int rowsN = 1 + r.nextInt(Math.min(2, policy.maxBatchSize()));
          float[] x = new float[rowsN * 2];
          for (int k = 0; k < rowsN; k++) {
            x[2 * k] = r.nextInt(40) == 0 && k == 0 ? ArithmeticModel.POISON : ids.incrementAndGet();
            x[2 * k + 1] = x[2 * k] * 0.5f;
          }
          int priority = r.nextInt(3) - 1;
          long deadline = r.nextInt(10) == 0 ? System.nanoTime() + r.nextInt(2_000_000) : Long.MAX_VALUE;
          Map<String, Tensor> in = Map.of("x", Tensor.of(x, rowsN, 2));
          if (submitter) {
            CompletableFuture<InferenceResult> f = s.submit(in, priority, deadline);
            f.whenComplete((res, e) -> completions.incrementAndGet());
            if (r.nextInt(10) == 0) {
              f.cancel(true);
            }
            f.whenComplete((res, e) -> check(x, res, e, deadline, shutdownMidway, errors, answered, failedOk, closed));
            async.add(f);
          } else {
            InferenceResult res = null;
            Throwable err = null;
            try {
              res = s.call(in, priority, deadline);
            } catch (MaasException e) {
              err = e;
            }
            completions.incrementAndGet();
            check(x, res, err, deadline, shutdownMidway, errors, answered, failedOk, closed);
          }
        }
      }, "racer-" + t);
      th.start();
      ts.add(th);
    }
    start.countDown();
    if (shutdownMidway) {
      Thread.sleep(20);
      s.shutdown(() -> { });
    }
    for (Thread th : ts) {
      th.join(30_000);
      assertFalse(th.isAlive(), "a caller hangs");
    }
    for (CompletableFuture<InferenceResult> f : List.copyOf(async)) {
      try {
        f.get(20, TimeUnit.SECONDS);
      } catch (ExecutionException | CancellationException e) {
        // checked in its callback
      }
    }
    long until = System.nanoTime() + 5_000_000_000L;
    while ((completions.get() < threads * perThread || s.inFlight() != 0) && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertEquals(List.of(), errors);
    assertEquals(threads * perThread, completions.get(), "every request completes exactly once");
    assertEquals(0, s.inFlight());
    SchedulerStats st = s.stats();
    // A request cancelled while it runs is booked by how its run ended, so the books count it there.
    assertTrue(answered.get() <= st.completed(), "answered " + answered + " vs " + st);
    assertEquals(threads * perThread, st.completed() + st.rejected() + st.expired() + st.failed() + st.cancelled()
        + closed.get(), "every request is booked exactly once: " + st + ", closed " + closed);
  }

  private static void check(float[] x, InferenceResult res, Throwable e, long deadline, boolean closing,
      List<String> errors,
      AtomicInteger answered, AtomicInteger failedOk, AtomicInteger closed) {
    if (e == null) {
      float[] got = res.output("y").toFloatArray();
      float[] want = x.clone();
      for (int k = 0; k < want.length; k++) {
        want[k] += 1;
      }
      if (!java.util.Arrays.equals(want, got)) {
        errors.add("got another request's rows: sent " + java.util.Arrays.toString(x) + " got "
            + java.util.Arrays.toString(got));
      }
      answered.incrementAndGet();
      return;
    }
    Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    boolean allowed = c instanceof CancellationException
        || c instanceof DeadlineExceededException && deadline != Long.MAX_VALUE
        || c instanceof InferenceException
        || c instanceof ServiceClosedException && closing;
    if (!allowed) {
      errors.add("failed with " + c);
    }
    if (c instanceof ServiceClosedException) {
      closed.incrementAndGet(); // refused or dropped by the shutdown: not in the scheduler's books
    }
    failedOk.incrementAndGet();
  }

  /**
   * Holds the model and starts a caller that runs alone and waits inside it, holding the one
   * instance; returns once its run has begun. {@code model.open()} lets it finish with 1001.
   */
  private static CompletableFuture<InferenceResult> blockerHolding(ArithmeticModel model, Scheduler s)
      throws InterruptedException {
    model.hold();
    CompletableFuture<InferenceResult> blocker = callOn("blocker", s, rows(1000), 0, Long.MAX_VALUE);
    model.awaitFirstRun();
    assertEquals(1, model.runs.size(), "the blocker runs alone");
    return blocker;
  }

  /** The blocker got 1001 and caller i (from 1) got i + 1, each within 5 s. */
  private static void assertAnswered(CompletableFuture<InferenceResult> blocker,
      List<CompletableFuture<InferenceResult>> callers) throws Exception {
    assertEquals(1001f, first(blocker.get(5, TimeUnit.SECONDS)));
    for (int i = 1; i <= callers.size(); i++) {
      assertEquals(i + 1f, first(callers.get(i - 1).get(5, TimeUnit.SECONDS)), "caller " + i);
    }
  }

  /** Waits (5 s at most) until {@code n} requests are queued, and asserts they are. */
  private static void awaitQueued(Scheduler s, int n) throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while (s.stats().queueDepth() < n && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertEquals(n, s.stats().queueDepth(), "queued behind the held instance");
  }
}
