package dev.maas.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DeadlineExceededException;
import dev.maas.InferenceException;
import dev.maas.InferenceResult;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the scheduler for random arrival patterns, sizes, priorities, deadlines, cancellations
 * and runtime failures: every request completes exactly once, answered requests get exactly their
 * own rows, the queued ones run in priority then FIFO order, and none runs after its deadline.
 */
class SchedulerPropertyTest {
  /** One generated call. */
  record Call(int rows, int priority, boolean poison, int deadlineMillis, boolean cancel, int pauseMicros) {}

  @Provide
  Arbitrary<List<Call>> calls() {
    Arbitrary<Call> call = Combinators.combine(
        Arbitraries.integers().between(1, 3),
        Arbitraries.integers().between(-1, 2),
        Arbitraries.integers().between(0, 19).map(i -> i == 0),
        Arbitraries.integers().between(0, 9).map(i -> i < 7 ? 0 : i == 7 ? 1 : 30),
        Arbitraries.integers().between(0, 14).map(i -> i == 0),
        Arbitraries.integers().between(0, 300)).as(Call::new);
    return call.list().ofMinSize(1).ofMaxSize(60);
  }

  @Property(tries = 60)
  void everyRequestCompletesExactlyOnceWithItsOwnRows(@ForAll("calls") List<Call> calls,
      @ForAll @IntRange(min = 1, max = 6) int maxBatch, @ForAll @IntRange(min = 1, max = 2) int instances,
      @ForAll @IntRange(min = 0, max = 3) int delayMillis, @ForAll boolean closeEarly) throws Exception {
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    BatchingPolicy policy = BatchingPolicy.defaults().withMaxBatchSize(Math.max(maxBatch, 3))
        .withMaxQueueDelay(Duration.ofMillis(delayMillis)).withInstances(instances).withQueueCapacity(1000);
    Scheduler s = new Scheduler(new ModelVersion("p", 1), model, policy, Ticker.systemTicker(), timers,
        Executors.defaultThreadFactory());
    try {
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      List<float[]> sent = new ArrayList<>();
      List<Long> deadlines = new ArrayList<>();
      AtomicInteger completions = new AtomicInteger();
      int id = 0;
      for (Call c : calls) {
        float[] x = new float[c.rows() * 2];
        for (int r = 0; r < c.rows(); r++) {
          x[2 * r] = c.poison() && r == 0 ? ArithmeticModel.POISON : ++id;
          x[2 * r + 1] = id * 0.5f;
        }
        long deadline = c.deadlineMillis() == 0 ? Long.MAX_VALUE : System.nanoTime() + c.deadlineMillis() * 1_000_000L;
        CompletableFuture<InferenceResult> f = s.submit(Map.of("x", Tensor.of(x, c.rows(), 2)), c.priority(), deadline);
        f.whenComplete((r, e) -> completions.incrementAndGet());
        futures.add(f);
        sent.add(x);
        deadlines.add(deadline);
        if (c.cancel()) {
          f.cancel(true);
        }
        if (c.pauseMicros() > 250) {
          Thread.sleep(0, c.pauseMicros() * 1000);
        }
      }
      if (closeEarly) {
        s.shutdown(() -> { });
      }
      for (int i = 0; i < futures.size(); i++) {
        CompletableFuture<InferenceResult> f = futures.get(i);
        try {
          InferenceResult r = f.get(20, TimeUnit.SECONDS);
          float[] expected = sent.get(i).clone();
          for (int k = 0; k < expected.length; k++) {
            expected[k] += 1;
          }
          assertArrayEquals(expected, r.output("y").toFloatArray(), "request " + i + " got another request's rows");
        } catch (CancellationException e) {
          assertTrue(calls.get(i).cancel(), "only cancelled requests end cancelled");
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          boolean allowed = cause instanceof DeadlineExceededException && deadlines.get(i) != Long.MAX_VALUE
              || cause instanceof InferenceException
              || cause instanceof ServiceClosedException && closeEarly;
          assertTrue(allowed, "request " + i + " failed with " + cause);
        }
      }
      // exactly once: one completion callback per future, and the scheduler's books agree
      long until = System.nanoTime() + 5_000_000_000L;
      while (completions.get() < futures.size() && System.nanoTime() < until) {
        Thread.sleep(1);
      }
      assertEquals(futures.size(), completions.get());
      // a future completes just before its request is booked as done: give the books a moment
      SchedulerFixture.waitIdle(s);
      SchedulerStats st = s.stats();
      long closedByShutdown = futures.stream().filter(f -> failedWith(f, ServiceClosedException.class)).count();
      assertEquals(futures.size(), st.completed() + st.rejected() + st.expired() + st.failed() + st.cancelled()
          + closedByShutdown, "every request is counted exactly once: " + st);
      assertEquals(0, s.inFlight());
      // never run after its deadline was known to have passed
      for (ArithmeticModel.Run run : model.runs) {
        float[] x = run.x().toFloatArray();
        for (int k = 0; k < x.length; k += 2) {
          for (int i = 0; i < sent.size(); i++) {
            if (sent.get(i)[0] == x[k] && x[k] != ArithmeticModel.POISON) {
              assertTrue(deadlines.get(i) == Long.MAX_VALUE || run.startNanos() < deadlines.get(i) + 5_000_000L,
                  "request " + i + " ran after its deadline");
            }
          }
        }
      }
    } finally {
      s.shutdown(() -> { });
      timers.shutdownNow();
    }
  }

  private static boolean failedWith(CompletableFuture<?> f, Class<?> type) {
    try {
      f.join();
      return false;
    } catch (CompletionException e) {
      return type.isInstance(e.getCause());
    } catch (CancellationException e) {
      return false;
    }
  }

  /** With every request queued before the first batch forms, batches take them by priority, then FIFO. */
  @Property(tries = 40)
  void queuedRequestsRunInPriorityThenFifoOrder(@ForAll("calls") List<Call> calls,
      @ForAll @IntRange(min = 1, max = 5) int maxBatch) throws Exception {
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    ArithmeticModel model = new ArithmeticModel(Ticker.systemTicker());
    BatchingPolicy policy = BatchingPolicy.defaults().withMaxBatchSize(Math.max(maxBatch, 3))
        .withMaxQueueDelay(Duration.ZERO).withInstances(1);
    Scheduler s = new Scheduler(new ModelVersion("p", 1), model, policy, Ticker.systemTicker(), timers,
        Executors.defaultThreadFactory());
    try {
      model.hold();
      CompletableFuture<InferenceResult> gate = s.submit(Map.of("x", Tensor.of(new float[] {0, 0, 0, 0, 0, 0}, 3, 2)),
          Integer.MAX_VALUE, Long.MAX_VALUE);
      model.awaitFirstRun();
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      record Sent(int priority, int seq, float first) {}
      List<Sent> sent = new ArrayList<>();
      int id = 0;
      for (Call c : calls) {
        float[] x = new float[c.rows() * 2];
        float firstValue = id + 1;
        for (int r = 0; r < c.rows(); r++) {
          x[2 * r] = ++id;
        }
        futures.add(s.submit(Map.of("x", Tensor.of(x, c.rows(), 2)), c.priority(), Long.MAX_VALUE));
        sent.add(new Sent(c.priority(), sent.size(), firstValue));
      }
      model.open();
      gate.get(10, TimeUnit.SECONDS);
      for (CompletableFuture<InferenceResult> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
      List<Sent> byRule = new ArrayList<>(sent);
      byRule.sort((a, b) -> a.priority() != b.priority() ? Integer.compare(b.priority(), a.priority())
          : Integer.compare(a.seq(), b.seq()));
      java.util.Set<Float> firsts = new java.util.HashSet<>();
      sent.forEach(x -> firsts.add(x.first()));
      List<Float> ran = new ArrayList<>();
      for (ArithmeticModel.Run run : model.runs.subList(1, model.runs.size())) {
        float[] x = run.x().toFloatArray();
        for (int k = 0; k < x.length; k += 2) {
          if (firsts.contains(x[k])) {
            ran.add(x[k]);
          }
        }
      }
      List<Float> expected = byRule.stream().map(Sent::first).toList();
      assertEquals(expected, ran);
    } finally {
      s.shutdown(() -> { });
      timers.shutdownNow();
    }
  }

}
