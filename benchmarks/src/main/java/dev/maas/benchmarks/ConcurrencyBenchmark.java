package dev.maas.benchmarks;

import dev.maas.batch.SchedulerStats;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * <b>With N concurrent callers each sending one row, what throughput and latency does maas's
 * dynamic batching give, against raw ONNX Runtime called one row at a time from the same N
 * threads?</b> (issue 3, with {@link CeilingBenchmark} for the third side: the same rows as
 * pre-formed batches.)
 *
 * <p>N is JMH's thread count: run once per N with {@code -t N} (1, 8, 32, 64). Sample mode: every
 * thread is a closed-loop caller (send, wait for the answer, send again), so the JSON holds the
 * latency distribution (p50, p99) and the mean latency, and throughput = N / mean latency.
 * {@link #maasBatched} uses {@link Policies#batched()} (max batch 64, max queue delay 0, one
 * instance; {@code -p maxBatchSize=...}, {@code -p maxQueueDelayMicros=...} and {@code -p
 * instances=...} vary them, and {@code -p spinning=off|run|on} how its ONNX Runtime pool spins);
 * {@link #rawOneAtATime} calls one shared {@code OrtSession} from all N threads; {@link
 * #djlOneAtATime} calls DJL from all N threads, each with its own {@code Predictor} on one shared
 * model (DJL's recommended use; see {@link DjlSubject}).
 *
 * <p>ONNX Runtime's intra-op threads are chosen per system for 2 cores (measured with 64 callers on
 * the MLP; see {@code benchmarks/README.md}). <b>Raw one-at-a-time: 1</b>: its N caller threads
 * already occupy both cores; 2 gave the same throughput for a little more CPU per row. <b>DJL: 1</b>,
 * for the same reason (it runs one row per caller thread, as raw does). <b>maas: 2</b>, whose
 * pools do not spin ({@code OnnxOptions}' default): it runs one batch at a time, so the second
 * thread halves each batch's run without spin-waiting between batches on the core its callers
 * need. Measured idle, MLP: 64 callers 69k rows/s with 2 against 55k with 1; 1 caller 50 µs per
 * call with 2 against 37 µs with 1 (waking the pool costs more than it saves on one row), so a
 * latency-first deployment with few callers would pick 1 ({@code -p intraOpThreads=1}). The
 * ceiling ({@link CeilingBenchmark}) gets 2: one thread issuing pre-formed batches is fastest with
 * both cores. {@code -p intraOpThreads=N} runs every system here with N.
 *
 * <p>The maas state also writes the scheduler's statistics (mean batch size over the measured
 * iterations, run-time and queue-wait percentiles) to {@code target/maas-stats-MODEL-tN.json}
 * (directory: system property {@code maas.bench.out}, default {@code target}) for the report.
 *
 * <pre>{@code
 * for t in 1 8 32 64; do
 *   java -jar benchmarks/target/benchmarks.jar ConcurrencyBenchmark -t $t -p model=mlp -prof gc \
 *       -rf json -rff target/jmh-concurrency-mlp-t$t.json
 * done
 * }</pre>
 *
 * (with {@code ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true} in the
 * environment, as {@code benchmarks/run.sh} sets them).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConcurrencyBenchmark {

  /** The model every state of this benchmark shares. */
  @State(Scope.Benchmark)
  public abstract static class Base {
    /** {@code mlp}, {@code identity} or {@code minilm}. */
    @Param({"mlp"})
    public String model;

    Subject subject;
    Feed feed;

    abstract Subject open(BenchModel m, OrtSettings s);

    abstract int intraOpThreads();

    /** Opens the subject; every thread sends the same one-row input (each call copies it). */
    @Setup(Level.Trial)
    public void setUp() {
      BenchModel m = BenchModel.of(model);
      subject = open(m, new OrtSettings(intraOpThreads()));
      feed = m.feed(1, 7);
    }

    /** Frees what the subject created, after {@link #beforeClose}. */
    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) {
      try {
        beforeClose(params);
      } finally {
        subject.close();
      }
    }

    void beforeClose(BenchmarkParams params) {}
  }

  /** maas with dynamic batching; records its scheduler's statistics. */
  public static class MaasBatched extends Base {
    /** ONNX Runtime's intra-op threads for maas, 2 (not spinning by default; see {@link #spinning}). */
    @Param({"2"})
    public int intraOpThreads;

    /** The policy's {@code maxBatchSize}; {@link Policies#batched()}'s by default. */
    @Param({"64"})
    public int maxBatchSize;

    /** The policy's {@code maxQueueDelay} in µs; {@link Policies#batched()}'s by default. */
    @Param({"0"})
    public long maxQueueDelayMicros;

    /** The policy's {@code instances}; {@link Policies#batched()}'s by default. */
    @Param({"1"})
    public int instances;

    /**
     * How ONNX Runtime's intra-op pool spins: {@code off} (maas's default), {@code run} (only while a
     * run is going) or {@code on} (between runs too); see {@link MaasSubject}.
     */
    @Param({"off"})
    public String spinning;

    private SchedulerStats atMeasurementStart;

    @Override
    int intraOpThreads() {
      return intraOpThreads;
    }

    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new MaasSubject(m, s, Policies.batched(maxQueueDelayMicros)
          .withMaxBatchSize(maxBatchSize)
          .withInstances(instances), spinning);
    }

    /** Snapshots the scheduler when the first measured iteration begins. */
    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      if (iteration.getType() == IterationType.MEASUREMENT && atMeasurementStart == null) {
        atMeasurementStart = ((MaasSubject) subject).stats();
      }
    }

    /** Writes the scheduler's statistics over the measured iterations. */
    @Override
    void beforeClose(BenchmarkParams params) {
      SchedulerStats end = ((MaasSubject) subject).stats();
      StatsFile.write(model, params.getThreads(), atMeasurementStart, end);
    }
  }

  /** Raw ONNX Runtime, one shared session. */
  public static class Raw extends Base {
    /** ONNX Runtime's intra-op threads for raw one-at-a-time (see the class comment). */
    @Param({"1"})
    public int intraOpThreads;

    @Override
    int intraOpThreads() {
      return intraOpThreads;
    }

    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new RawOrtSubject(m, s);
    }
  }

  /**
   * DJL: one model, a {@code Predictor} per caller thread; ONNX Runtime's intra-op threads as raw
   * one-at-a-time gets them (the inherited {@code intraOpThreads}).
   */
  public static class Djl extends Raw {
    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new DjlSubject(m, s);
    }
  }

  /** One row through maas's scheduler, waiting for its answer. */
  @Benchmark
  public float[] maasBatched(MaasBatched s) {
    return s.subject.call(s.feed);
  }

  /** One row through {@code OrtSession.run} on this thread. */
  @Benchmark
  public float[] rawOneAtATime(Raw s) {
    return s.subject.call(s.feed);
  }

  /** One row through this thread's DJL {@code Predictor}. */
  @Benchmark
  public float[] djlOneAtATime(Djl s) {
    return s.subject.call(s.feed);
  }
}
