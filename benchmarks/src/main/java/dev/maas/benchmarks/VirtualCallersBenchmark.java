package dev.maas.benchmarks;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * <b>With N concurrent callers on virtual threads, each sending one row and blocking for its
 * answer, what throughput does each system give?</b> This is how a JVM server on Java 21 or later
 * calls a model when it runs each request on a virtual thread (Spring Boot's {@code
 * spring.threads.virtual.enabled}, Helidon, Tomcat's virtual-thread executor): plain blocking calls,
 * but a blocked caller parks a virtual thread on its carrier instead of an operating-system thread.
 * {@link ConcurrencyBenchmark} asks the same question with N platform threads (JMH's {@code -t N}).
 *
 * <p>N virtual threads ({@code -p callers=N}) each call the system in a closed loop (send, wait for
 * the answer, send again) for the whole trial; JMH's one thread counts answers, {@value #BLOCK} per
 * op, and sleeps between blocks, so it costs no wake-up per row. The score is rows per second; the
 * per-call latency of the measured iterations (p50, p99, from an HdrHistogram) is printed at the end
 * of the trial. The systems and their ONNX Runtime threads are {@link ConcurrencyBenchmark}'s: maas
 * with {@link Policies#batched()} and 2 intra-op threads ({@code maas}), raw ONNX Runtime one row per
 * call on one shared session ({@code raw}) and DJL with a {@code Predictor} per caller thread ({@code
 * djl}), both with 1. Carriers: the JDK's default scheduler, one per core ({@code
 * -Djdk.virtualThreadScheduler.parallelism} changes it, through {@code -jvmArgsAppend}).
 *
 * <p>Needs Java 21 or later to run (the benchmarks compile for Java 17, so virtual threads are
 * reached by reflection); on Java 17 the set-up fails with a message saying so. The JDK that runs
 * the jar runs the forks:
 *
 * <pre>{@code
 * JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * $JAVA -jar benchmarks/target/benchmarks.jar VirtualCallersBenchmark -p callers=64 -p model=mlp \
 *     -prof dev.maas.benchmarks.CpuTimeProfiler -rf json -rff target/jmh-virtual-mlp.json
 * $JAVA -jar benchmarks/target/benchmarks.jar CeilingBenchmark.rawPreformedBatch -p batch=64   # the ceiling, same JDK
 * }</pre>
 *
 * (with {@code ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true} in the
 * environment, as {@code benchmarks/run.sh} sets them).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VirtualCallersBenchmark {
  /** Rows counted per op: JMH's thread is woken once per this many answers, not once per row. */
  static final int BLOCK = 64;

  /** The system under test and its callers. */
  @State(Scope.Benchmark)
  public static class Callers {
    /** {@code maas}, {@code raw} or {@code djl}. */
    @Param({"maas", "raw", "djl"})
    public String system;

    /** {@code mlp}, {@code identity} or {@code minilm}. */
    @Param({"mlp"})
    public String model;

    /** Concurrent callers, one virtual thread each. */
    @Param({"64"})
    public int callers;

    /**
     * ONNX Runtime's intra-op threads; 0 (the default) gives each system {@link ConcurrencyBenchmark}'s
     * choice: 2 for maas, 1 for raw and DJL.
     */
    @Param({"0"})
    public int intraOpThreads;

    /** maas's max queue delay in µs ({@link Policies#batched()}'s, 0, by default). */
    @Param({"0"})
    public long maxQueueDelayMicros;

    /** maas's max batch size ({@link Policies#batched()}'s, 64, by default). */
    @Param({"64"})
    public int maxBatchSize;

    /** maas's instances ({@link Policies#batched()}'s, 1, by default). */
    @Param({"1"})
    public int instances;

    /** How maas's ONNX Runtime pool spins: {@code off} (its default), {@code run} or {@code on}; see {@link MaasSubject}. */
    @Param({"off"})
    public String spinning;

    Subject subject;
    private ExecutorService threads;
    private volatile boolean running;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread counter;
    private final Recorder latency = new Recorder(3);
    private final Histogram measured = new Histogram(3);
    private long counted;
    private boolean fresh;

    /** Opens the system and starts the callers. */
    @Setup(Level.Trial)
    public void setUp() {
      threads = virtualThreadPerTaskExecutor();
      BenchModel m = BenchModel.of(model);
      int threadsPerRun = intraOpThreads > 0 ? intraOpThreads : system.equals("maas") ? 2 : 1;
      OrtSettings settings = new OrtSettings(threadsPerRun);
      subject = switch (system) {
        case "maas" -> new MaasSubject(m, settings,
            Policies.batched(maxQueueDelayMicros).withMaxBatchSize(maxBatchSize).withInstances(instances), spinning);
        case "raw" -> new RawOrtSubject(m, settings);
        case "djl" -> new DjlSubject(m, settings);
        default -> throw new IllegalArgumentException("system must be maas, raw or djl, got " + system);
      };
      Feed feed = m.feed(1, 7);
      counter = Thread.currentThread();
      running = true;
      for (int i = 0; i < callers; i++) {
        threads.execute(() -> loop(feed));
      }
    }

    private void loop(Feed feed) {
      try {
        while (running) {
          long start = System.nanoTime();
          float[] out = subject.call(feed);
          latency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
          if (out.length == 0) {
            throw new IllegalStateException("empty answer");
          }
          if (answered.incrementAndGet() % BLOCK == 0) {
            LockSupport.unpark(counter);
          }
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
        LockSupport.unpark(counter);
      }
    }

    /** Waits until {@value #BLOCK} more rows are answered than at the last op. */
    void awaitBlock() {
      if (fresh) { // the first op of an iteration counts from now, not from the iteration's set-up
        fresh = false;
        counted = answered.get();
      }
      counted += BLOCK;
      counter = Thread.currentThread();
      for (;;) {
        Throwable t = failure.get(); // first: a failed caller must not be counted past
        if (t != null) {
          throw new IllegalStateException("a caller failed", t);
        }
        if (answered.get() >= counted) {
          return;
        }
        LockSupport.parkNanos(this, 1_000_000);
      }
    }

    /** Starts the latency window at the first measured iteration, and keeps the count in step. */
    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      fresh = true;
      latency.getIntervalHistogram(); // drops what came before this iteration
    }

    /** Adds the iteration's latencies to the measured ones. */
    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
      if (iteration.getType() == IterationType.MEASUREMENT) {
        measured.add(latency.getIntervalHistogram());
      }
    }

    /** Stops the callers, prints the measured latency and closes the system. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      running = false;
      threads.shutdown();
      boolean ended = threads.awaitTermination(60, TimeUnit.SECONDS);
      String batches = subject instanceof MaasSubject maas
          ? String.format(", mean batch %.1f rows over the trial", maas.stats().meanBatchSize()) : "";
      System.out.printf("%n%s %s, %d virtual callers: %d calls measured, latency p50 %.3f ms, p99 %.3f ms%s%s%n",
          system, model, callers, measured.getTotalCount(), measured.getValueAtPercentile(50) / 1000.0,
          measured.getValueAtPercentile(99) / 1000.0, batches, ended ? "" : " (callers still running after 60 s)");
      subject.close();
    }
  }

  /**
   * An executor that starts a virtual thread per task: {@code
   * Executors.newVirtualThreadPerTaskExecutor()}, reached by reflection because the benchmarks compile
   * for Java 17.
   */
  static ExecutorService virtualThreadPerTaskExecutor() {
    try {
      Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return (ExecutorService) m.invoke(null);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("virtual threads need Java 21 or later; this is Java "
          + System.getProperty("java.version") + " (run the jar with a newer JDK's java)", e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("could not make a virtual-thread executor", e);
    }
  }

  /** {@value #BLOCK} rows answered by the callers: the score is rows per second. */
  @Benchmark
  @OperationsPerInvocation(BLOCK)
  public void blockingCalls(Callers s) {
    s.awaitBlock();
  }
}
