package dev.maas.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the whole benchmark JVM used per operation — every
 * thread: callers, maas's batcher, ONNX Runtime's intra-op threads, GC and JIT — as {@code
 * cpu.time.norm} (µs/op), the cores it kept busy on average as {@code cpu.cores}, and on Linux the
 * context switches of all its threads per operation as {@code cpu.switches.norm} (a thread that
 * blocks and is woken costs one: a count of hand-offs between threads) and the share of its CPU
 * time spent in the kernel as {@code cpu.kernel.share} (parking, waking and switching threads are
 * kernel time; ONNX Runtime's arithmetic is not).
 *
 * <p>Wall-clock time per call tells what a caller waits; CPU time per call tells what a call
 * costs the machine, and it moves much less than wall-clock time when other processes share the
 * cores (busy-waiting threads still bill more under contention). On a machine with {@code C}
 * cores no system can serve more than {@code C / cpu.time.norm} calls per second, so comparing it
 * between maas and raw ONNX Runtime says how much of a throughput gap is work maas adds and how
 * much is time the cores sit idle.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar OverheadBenchmark -prof dev.maas.benchmarks.CpuTimeProfiler
 * }</pre>
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private long cpuStart;
  private long wallStart;
  private long switchesStart;
  private long[] ticksStart;

  @Override
  public String getDescription() {
    return "CPU time of the benchmark JVM (all threads) per operation";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    switchesStart = contextSwitches();
    ticksStart = userAndKernelTicks();
    wallStart = System.nanoTime();
    cpuStart = Stats.processCpuNanos();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long cpu = Stats.processCpuNanos() - cpuStart;
    long wall = System.nanoTime() - wallStart;
    long switches = contextSwitches() - switchesStart;
    long[] ticks = userAndKernelTicks();
    long ops = result.getMetadata().getAllOps();
    List<Result> out = new ArrayList<>();
    out.add(new ScalarResult("cpu.time.norm", ops == 0 ? Double.NaN : cpu / 1e3 / ops, "us/op", AggregationPolicy.AVG));
    out.add(new ScalarResult("cpu.cores", wall == 0 ? Double.NaN : (double) cpu / wall, "cores", AggregationPolicy.AVG));
    if (switchesStart >= 0 && switches >= 0) {
      out.add(new ScalarResult("cpu.switches.norm", ops == 0 ? Double.NaN : (double) switches / ops, "#/op",
          AggregationPolicy.AVG));
    }
    if (ticksStart != null && ticks != null) {
      long user = ticks[0] - ticksStart[0];
      long kernel = ticks[1] - ticksStart[1];
      out.add(new ScalarResult("cpu.kernel.share", user + kernel == 0 ? Double.NaN : (double) kernel / (user + kernel),
          "share", AggregationPolicy.AVG));
    }
    return out;
  }

  /**
   * This process's CPU time so far as {user, kernel}, in clock ticks (Linux {@code /proc/self/stat},
   * fields 14 and 15; usually 100 per second); null elsewhere.
   */
  static long[] userAndKernelTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // The command name (field 2) is in parentheses and may hold spaces; field 3 follows its ") ".
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return new long[] {Long.parseLong(f[14 - 3]), Long.parseLong(f[15 - 3])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Voluntary and involuntary context switches summed over this process's live threads (Linux
   * {@code /proc/self/task/}{@code *}{@code /status}); -1 elsewhere. Threads that end within an
   * iteration drop out of the sum, which the benchmarks here do not do.
   */
  private static long contextSwitches() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    long sum = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
      for (Path t : ds) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | NumberFormatException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }
}
