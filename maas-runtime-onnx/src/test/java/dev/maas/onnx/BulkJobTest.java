package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.InvalidInputException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.Job;
import dev.maas.batch.JobItem;
import dev.maas.batch.JobOptions;
import dev.maas.batch.JobProgress;
import dev.maas.batch.JobStatus;
import dev.maas.onnx.tools.SampleModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bulk jobs through the scheduler, on a real ONNX model. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BulkJobTest {
  @TempDir Path tmp;
  ModelService maas;

  @BeforeEach
  void setUp() throws Exception {
    Path model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 2, 9));
    maas = ModelService.builder().storeDirectory(tmp.resolve("store")).runtime(OnnxRuntime.create(
            OnnxOptions.defaults().withThreads(1, 1)))
        .batching(BatchingPolicy.defaults().withMaxBatchSize(32).withMaxQueueDelay(Duration.ofMillis(1))
            .withInstances(1).withQueueCapacity(2048))
        .build();
    maas.deploy("mlp", model);
  }

  @AfterEach
  void tearDown() {
    maas.close();
  }

  static InferenceRequest item(int i) {
    return InferenceRequest.of("x", Tensor.of(new float[] {i, -i, i * 0.5f, 1}, 1, 4));
  }

  static float[] expected(int i) {
    return SampleModels.mlpReference(4, 8, 2, 9, item(i).input("x")).toFloatArray();
  }

  static void assertRow(int i, float[] got) {
    float[] e = expected(i);
    for (int j = 0; j < e.length; j++) {
      assertTrue(Math.abs(e[j] - got[j]) <= 1e-3f + 1e-4f * Math.abs(e[j]), "item " + i + ": " + Arrays.toString(got));
    }
  }

  @Test
  void itemsArriveInOrderAndFailedItemsCarryTheirIndex() throws Exception {
    List<InferenceRequest> inputs = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      inputs.add(i == 10 || i == 1500 ? InferenceRequest.of("x", Tensor.of(new float[3], 1, 3)) : item(i));
    }
    Job job = maas.submitJob(ModelRef.parse("mlp"), inputs, JobOptions.defaults());
    assertEquals(1, job.version().version());
    Iterator<JobItem> it = job.results();
    long index = 0;
    while (it.hasNext()) {
      JobItem item = it.next();
      assertEquals(index, item.index(), "in order");
      if (index == 10 || index == 1500) {
        assertFalse(item.ok());
        assertInstanceOf(InvalidInputException.class, item.error());
      } else {
        assertRow((int) index, item.result().output("y").toFloatArray());
      }
      index++;
    }
    assertEquals(2_000, index);
    JobProgress p = job.completion().get(10, TimeUnit.SECONDS);
    assertEquals(JobStatus.COMPLETED, job.status());
    assertEquals(2_000, p.delivered());
    assertEquals(2, p.failed());
    assertEquals(2_000, p.total().getAsLong());
    assertFalse(it.hasNext());
  }

  @Test
  void stopOnFirstFailureEndsTheJob() throws Exception {
    List<JobItem> seen = new CopyOnWriteArrayList<>();
    Iterable<InferenceRequest> lazy = () -> IntStream.range(0, 10_000)
        .mapToObj(i -> i == 100 ? InferenceRequest.of("x", Tensor.of(new float[2], 1, 2)) : item(i)).iterator();
    Job job = maas.submitJob(ModelRef.parse("mlp"), lazy,
        JobOptions.defaults().withStopOnFirstFailure(true).withListener(seen::add));
    JobProgress p = job.completion().get(30, TimeUnit.SECONDS);
    assertEquals(JobStatus.FAILED, job.status());
    assertEquals(101, p.delivered());
    assertEquals(101, seen.size());
    assertFalse(seen.get(100).ok());
    assertTrue(p.total().isEmpty(), "a lazy input's size is unknown until it ends");
    assertThrows(IllegalStateException.class, job::results);
  }

  @Test
  void cancelStopsReadingAndCompletes() throws Exception {
    AtomicBoolean slow = new AtomicBoolean(true);
    List<JobItem> seen = new CopyOnWriteArrayList<>();
    Iterable<InferenceRequest> endless = () -> IntStream.iterate(0, i -> i + 1).mapToObj(BulkJobTest::item).iterator();
    Job job = maas.submitJob(ModelRef.parse("mlp"), endless, JobOptions.defaults().withListener(item -> {
      seen.add(item);
      if (slow.get()) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    while (seen.size() < 50) {
      Thread.sleep(1);
    }
    assertTrue(job.cancel());
    assertFalse(job.cancel());
    JobProgress p = job.completion().get(10, TimeUnit.SECONDS);
    assertEquals(JobStatus.CANCELLED, job.status());
    int delivered = seen.size();
    Thread.sleep(100);
    assertEquals(delivered, seen.size(), "nothing is delivered after cancel completes");
    assertEquals(delivered, p.delivered());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i, seen.get(i).index());
    }
  }

  /**
   * 100,000 job items beside 16 online callers: the online p99 stays within 2x of its value
   * without the job (plus 2 ms of scheduling noise on a 2-core machine), and the job's items all
   * arrive, in order.
   */
  @Test
  void onlineLatencyHoldsBesideABigJob() throws Exception {
    // warm up, then the median of three rounds: one round's p99 is at the mercy of a GC or a neighbour
    measureOnlineP99(Duration.ofMillis(500));
    double alone = medianOfThree(Duration.ofMillis(500));
    long[] next = {0};
    AtomicBoolean inOrder = new AtomicBoolean(true);
    Iterable<InferenceRequest> items = () -> IntStream.range(0, 100_000).mapToObj(BulkJobTest::item).iterator();
    Job job = maas.submitJob(ModelRef.parse("mlp"), items, JobOptions.defaults().withWindow(256).withListener(it -> {
      if (it.index() != next[0]++ || !it.ok()) {
        inOrder.set(false);
      }
    }));
    // measured only while the job runs
    List<Long> besideSamples = measureOnline(Duration.ofSeconds(3), () -> job.status() == JobStatus.RUNNING);
    assertTrue(besideSamples.size() >= 1000, "too few online calls while the job ran: " + besideSamples.size());
    double beside = p99(besideSamples);
    JobProgress p = job.completion().get(150, TimeUnit.SECONDS);
    assertEquals(JobStatus.COMPLETED, job.status());
    assertEquals(100_000, p.delivered());
    assertEquals(0, p.failed());
    assertTrue(inOrder.get(), "items out of order or failed");
    System.out.printf("online p99: %.2f ms alone, %.2f ms beside a 100k-item job%n", alone, beside);
    assertTrue(beside <= 2 * alone + 2.0, "online p99 " + beside + " ms beside the job vs " + alone + " ms alone");
  }

  private double medianOfThree(Duration d) throws Exception {
    double[] r = {measureOnlineP99(d), measureOnlineP99(d), measureOnlineP99(d)};
    Arrays.sort(r);
    return r[1];
  }

  private double measureOnlineP99(Duration d) throws Exception {
    return p99(measureOnline(d, () -> true));
  }

  private static double p99(List<Long> all) {
    all.sort(Long::compare);
    return all.get((int) Math.min(all.size() - 1, Math.ceil(all.size() * 0.99) - 1)) / 1e6;
  }

  private List<Long> measureOnline(Duration d, java.util.function.BooleanSupplier whileTrue) throws Exception {
    int callers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    List<Future<List<Long>>> fs = new ArrayList<>();
    long end = System.nanoTime() + d.toNanos();
    for (int t = 0; t < callers; t++) {
      final int id = t;
      fs.add(pool.submit(() -> {
        List<Long> lat = new ArrayList<>();
        int i = id;
        while (System.nanoTime() < end && whileTrue.getAsBoolean()) {
          long s = System.nanoTime();
          float[] y = maas.predict(ModelRef.parse("mlp"), item(i)).output("y").toFloatArray();
          lat.add(System.nanoTime() - s);
          assertRow(i, y);
          i += callers;
        }
        return lat;
      }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<List<Long>> f : fs) {
      all.addAll(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    return all;
  }
}
