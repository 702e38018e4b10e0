package dev.maas.benchmarks;

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

/**
 * <b>What does maas cost over calling ONNX Runtime directly, for one call of one row on one
 * thread, with batching off?</b> (issue 3, target: time per op ratio maas / raw ≤ 1.05.)
 *
 * <p>{@link #maas} calls {@code ModelService.predict} with {@link Policies#off()} (the call runs on
 * the caller's thread: ref resolution, validation, scheduler slot, tensor conversion, run, output
 * copy); {@link #raw} calls {@code OrtSession.run} on a session with the same options (see {@link
 * RawOrtSubject} for what each call does: the same conversions a maas caller pays); {@link #djl}
 * calls {@code Predictor.predict} of DJL's ONNX Runtime engine, on the same session options (see
 * {@link DjlSubject}). All run in the same JMH run, each in its own fork, on the MLP
 * (256→1024→256, tens of µs per row: see {@link BenchModel#MLP}) and on all-MiniLM-L6-v2 at
 * sequence length 128. Run with {@code -prof gc} to get the bytes allocated per call ({@code
 * gc.alloc.rate.norm}).
 *
 * <p>ONNX Runtime gets {@code intraOpThreads} = 1 by default here: one caller on one thread is the
 * question, and a second intra-op thread mostly adds its wake-up and spin to both sides, which
 * blurs the ratio; {@code -p intraOpThreads=2} measures the other setting.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar OverheadBenchmark -prof gc -rf json -rff target/jmh-overhead.json
 * java -jar benchmarks/target/benchmarks.jar OverheadBenchmark -p model=mlp -prof gc     # MLP only
 * }</pre>
 *
 * (with {@code ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true} in the
 * environment, as {@code benchmarks/run.sh} sets them).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class OverheadBenchmark {

  /** The model and thread settings every state of this benchmark shares. */
  @State(Scope.Benchmark)
  public abstract static class Base {
    /** {@code mlp} or {@code minilm}. */
    @Param({"mlp", "minilm"})
    public String model;

    /** ONNX Runtime's intra-op threads, the same for every system. */
    @Param({"1"})
    public int intraOpThreads;

    Subject subject;
    Feed feed;

    abstract Subject open(BenchModel m, OrtSettings s);

    /** Opens the subject and makes the one-row input. */
    @Setup
    public void setUp() {
      BenchModel m = BenchModel.of(model);
      subject = open(m, new OrtSettings(intraOpThreads));
      feed = m.feed(1, 7);
    }

    /** Frees what the subject created. */
    @TearDown
    public void tearDown() {
      subject.close();
    }
  }

  /** maas with batching off. */
  public static class Maas extends Base {
    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new MaasSubject(m, s, Policies.off());
    }
  }

  /** Raw ONNX Runtime. */
  public static class Raw extends Base {
    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new RawOrtSubject(m, s);
    }
  }

  /** DJL, one predictor (this benchmark has one thread). */
  public static class Djl extends Base {
    @Override
    Subject open(BenchModel m, OrtSettings s) {
      return new DjlSubject(m, s);
    }
  }

  /** One {@code ModelService.predict}, batching off. */
  @Benchmark
  public float[] maas(Maas s) {
    return s.subject.call(s.feed);
  }

  /** One {@code OrtSession.run}. */
  @Benchmark
  public float[] raw(Raw s) {
    return s.subject.call(s.feed);
  }

  /** One DJL {@code Predictor.predict}. */
  @Benchmark
  public float[] djl(Djl s) {
    return s.subject.call(s.feed);
  }
}
