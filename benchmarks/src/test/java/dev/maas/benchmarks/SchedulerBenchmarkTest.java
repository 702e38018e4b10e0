package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The no-op runtime behind a real service answers every call with its own row, batched or not. */
class SchedulerBenchmarkTest {

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyCallerGetsItsRowBackFromTheServiceAndDirectly(String batching) throws Exception {
    SchedulerBenchmark.Service s = new SchedulerBenchmark.Service();
    s.batching = batching;
    s.setUp();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      SchedulerBenchmark b = new SchedulerBenchmark();
      assertArrayEquals(s.row, b.maasPredict(s));
      List<Future<float[]>> answers = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        answers.add(callers.submit(() -> b.maasPredict(s)));
      }
      for (Future<float[]> f : answers) {
        assertArrayEquals(s.row, f.get(30, TimeUnit.SECONDS));
      }
      // Every call completed once through the scheduler, whatever it batched: set-up's loading call,
      // the first above and the 2000.
      assertEquals(2002, s.service.stats().get(0).completed());
      SchedulerBenchmark.Direct d = new SchedulerBenchmark.Direct();
      assertArrayEquals(d.row, b.direct(d));
    } finally {
      callers.shutdownNow();
      s.tearDown();
    }
  }
}
