package dev.maas.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * <b>What is the best throughput ONNX Runtime itself reaches when {@code batch} rows arrive
 * together?</b> The ceiling for {@link ConcurrencyBenchmark}'s {@code batch} callers: one thread
 * runs pre-formed batches of {@code batch} rows back to back, each call converting the Java arrays
 * to tensors and copying the output back, as {@link RawOrtSubject} does for one row. One operation
 * is one batch: rows per second = {@code batch} / mean time per op, and every row of a batch waits
 * the whole op, so the op's time is also each row's latency.
 *
 * <p>ONNX Runtime gets 2 intra-op threads: one thread issuing batches is fastest with both cores
 * (on an idle 2-core machine a batch of 64 MLP rows takes about half as long as with 1). Two
 * diagnostics feed maas without a blocked thread per row: {@link #maasAsyncBurst}, one thread
 * starting {@code batch} one-row calls at once, which separates what maas's scheduling costs from
 * what waking one caller thread per row costs; and {@link #maasAsyncInFlight}, {@code inFlight}
 * calls kept in flight with no barrier between batches (one op is one row answered).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar CeilingBenchmark.rawPreformedBatch -p model=mlp -prof gc \
 *     -rf json -rff target/jmh-ceiling-mlp.json
 * java -jar benchmarks/target/benchmarks.jar CeilingBenchmark.maasAsyncBurst -p model=mlp -p batch=64
 * java -jar benchmarks/target/benchmarks.jar CeilingBenchmark.maasAsyncInFlight -p inFlight=64 \
 *     -prof dev.maas.benchmarks.CpuTimeProfiler
 * }</pre>
 *
 * (with {@code ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true} in the
 * environment, as {@code benchmarks/run.sh} sets them).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CeilingBenchmark {

  /** A raw session and one pre-formed batch. */
  @State(Scope.Benchmark)
  public static class Batch {
    /** {@code mlp} or {@code minilm}. */
    @Param({"mlp"})
    public String model;

    /** Rows per batch: compare with that many concurrent callers. */
    @Param({"1", "8", "32", "64"})
    public int batch;

    /** ONNX Runtime's intra-op threads: both cores. */
    @Param({"2"})
    public int intraOpThreads;

    RawOrtSubject subject;
    Feed feed;

    /** Opens the session and makes the batch. */
    @Setup
    public void setUp() {
      BenchModel m = BenchModel.of(model);
      subject = new RawOrtSubject(m, new OrtSettings(intraOpThreads));
      feed = m.feed(batch, 7);
    }

    /** Closes the session. */
    @TearDown
    public void tearDown() {
      subject.close();
    }
  }

  /** One pre-formed batch through {@code OrtSession.run}. */
  @Benchmark
  public float[] rawPreformedBatch(Batch s) {
    return s.subject.call(s.feed);
  }

  /**
   * maas fed the way the ceiling is: one thread starts {@code batch} one-row {@code predictAsync}
   * calls at once and waits for all of them. A diagnostic rung between the ceiling and {@link
   * ConcurrencyBenchmark#maasBatched}: it pays maas's scheduling, concatenation, splitting and
   * per-request conversions, but wakes one waiting thread per batch instead of one per row.
   */
  @State(Scope.Benchmark)
  public static class MaasBurst {
    /** {@code mlp} or {@code minilm}. */
    @Param({"mlp"})
    public String model;

    /** Rows per burst. */
    @Param({"1", "8", "32", "64"})
    public int batch;

    /** ONNX Runtime's intra-op threads, as {@link ConcurrencyBenchmark#maasBatched} gets them (2). */
    @Param({"2"})
    public int intraOpThreads;

    MaasSubject subject;
    Feed feed;
    @SuppressWarnings("unchecked")
    CompletableFuture<float[]>[] pending = new CompletableFuture[0];

    /**
     * Starts maas with {@link Policies#batched()}, but a max queue delay of 1 ms and {@code batch}
     * as a preferred batch size: the burst is queued within a fraction of that delay, so it runs as
     * one batch of {@code batch} rows, as the ceiling's does (with no delay the first rows would leave
     * as a batch of their own), and it leaves as soon as it is whole (without the preferred size a
     * burst smaller than the max batch would wait out the delay); and makes the one-row input.
     */
    @Setup
    public void setUp() {
      BenchModel m = BenchModel.of(model);
      subject = new MaasSubject(m, new OrtSettings(intraOpThreads), Policies.batched()
          .withMaxQueueDelay(java.time.Duration.ofMillis(1)).withPreferredBatchSizes(java.util.List.of(batch)));
      feed = m.feed(1, 7);
      pending = java.util.Arrays.copyOf(pending, batch);
    }

    /** Closes maas. */
    @TearDown
    public void tearDown() {
      subject.close();
    }
  }

  /** {@code batch} one-row calls started together through maas, all awaited. */
  @Benchmark
  public void maasAsyncBurst(MaasBurst s, Blackhole bh) {
    for (int i = 0; i < s.batch; i++) {
      s.pending[i] = s.subject.callAsync(s.feed);
    }
    for (int i = 0; i < s.batch; i++) {
      bh.consume(s.pending[i].join());
    }
  }

  /**
   * maas with {@code inFlight} one-row {@code predictAsync} calls always in flight, the way Triton's
   * {@code perf_analyzer --concurrency-range N} counts concurrency: each answer is replaced by a new
   * call at once, with no barrier between batches (unlike {@link #maasAsyncBurst}) and no thread
   * blocked per call (unlike {@link ConcurrencyBenchmark#maasBatched}). Same policy as {@code
   * maasBatched} ({@link Policies#batched()}, max queue delay 0) and 2 intra-op threads. A diagnostic
   * of what maas gives callers that do not block a thread per request.
   */
  @State(Scope.Benchmark)
  public static class MaasInFlight {
    /** {@code mlp} or {@code minilm}. */
    @Param({"mlp"})
    public String model;

    /** Calls in flight (compare with that many concurrent callers). */
    @Param({"64"})
    public int inFlight;

    /** ONNX Runtime's intra-op threads, as {@link ConcurrencyBenchmark#maasBatched} gets them (2). */
    @Param({"2"})
    public int intraOpThreads;

    /** The policy's max queue delay. */
    @Param({"0"})
    public int maxQueueDelayMicros;

    MaasSubject subject;
    Feed feed;
    /** Answers not yet taken by the benchmark thread; a failed call puts its exception here. */
    final java.util.concurrent.LinkedBlockingQueue<Object> answers = new java.util.concurrent.LinkedBlockingQueue<>();

    /** Starts maas and makes the one-row input. */
    @Setup
    public void setUp() {
      BenchModel m = BenchModel.of(model);
      subject = new MaasSubject(m, new OrtSettings(intraOpThreads),
          Policies.batched(maxQueueDelayMicros));
      feed = m.feed(1, 7);
    }

    /** Puts {@code inFlight} calls in flight. */
    @Setup(org.openjdk.jmh.annotations.Level.Iteration)
    public void fill() {
      answers.clear();
      for (int i = 0; i < inFlight; i++) {
        start();
      }
    }

    /** Waits for the calls still in flight, so that the next iteration starts from {@code inFlight}. */
    @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
    public void drain() throws InterruptedException {
      for (int i = 0; i < inFlight; i++) {
        answers.take();
      }
    }

    void start() {
      subject.callAsync(feed).whenComplete((r, e) -> answers.add(e != null ? e : r));
    }

    /** Closes maas. */
    @TearDown
    public void tearDown() {
      subject.close();
    }
  }

  /** Takes one answer and starts the call that replaces it: one op is one row answered. */
  @Benchmark
  public Object maasAsyncInFlight(MaasInFlight s) throws InterruptedException {
    Object answer = s.answers.take();
    s.start(); // first, so that the calls in flight stay inFlight and drain() has them all to wait for
    if (answer instanceof Throwable t) {
      throw new IllegalStateException("a call failed", t);
    }
    return answer;
  }
}
