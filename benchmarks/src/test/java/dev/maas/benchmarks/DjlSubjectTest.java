package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** DJL computes what raw ONNX Runtime computes, from every thread, on the benchmarks' own models. */
class DjlSubjectTest {

  @Test
  void mlpOutputEqualsRawOnnxRuntimes() {
    Feed feed = BenchModel.MLP.feed(3, 11);
    try (Subject djl = new DjlSubject(BenchModel.MLP, new OrtSettings(1));
        Subject raw = new RawOrtSubject(BenchModel.MLP, new OrtSettings(1))) {
      float[] expected = raw.call(feed);
      assertEquals(3 * BenchModel.MLP_OUT, expected.length);
      assertArrayEquals(expected, djl.call(feed), 1e-5f);
    }
  }

  @Test
  void eachThreadGetsItsOwnPredictorAndTheSameAnswer() throws Exception {
    Feed feed = BenchModel.IDENTITY.feed(1, 5);
    float[] input = (float[]) feed.inputs().get(0).values();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Subject djl = new DjlSubject(BenchModel.IDENTITY, new OrtSettings(1))) {
      List<Future<float[]>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        answers.add(pool.submit(() -> djl.call(feed)));
      }
      for (Future<float[]> a : answers) {
        assertArrayEquals(input, a.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
