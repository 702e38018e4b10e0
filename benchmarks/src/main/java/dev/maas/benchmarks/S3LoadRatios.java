package dev.maas.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ratios of {@link S3LoadBenchmark}, measured in paired rounds: each round times the maas
 * method and its baseline back to back (alternating which goes first), so a change of machine load
 * affects both sides of a ratio alike; the median of the per-round ratios is reported. A bounded
 * driver, for shared machines where JMH's one-method-after-another order skews ratios; the
 * methods, data and server are exactly the benchmark's. It also reports the ratio of the process's
 * CPU time (the in-process server's included), which other jobs on the machine disturb less.
 *
 * <pre>
 * mvn -q -B -DskipTests package -pl benchmarks -am
 * ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true \
 *   java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
 *   -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.S3LoadRatios [rounds] [sizeMib] [parallelism] \
 *   [forceToDisk] [reverifyEveryUse] [warmupRounds]
 * </pre>
 * Defaults: 15 cold rounds, 200 MiB, parallelism 4, forceToDisk and reverifyEveryUse false (the
 * cache's defaults), 30 warm-up rounds before each comparison; warm rounds are 4 times as many. The
 * warm-up matters: in a fresh JVM maas's cold load takes some 30 loads to reach its steady time
 * (the JIT compiling the cache's, the ranged download's and the server's range-handling code) while
 * a plain {@code getObject} settles after one or two, so with a short warm-up the ratio measures
 * compilation. The first loads of a fresh JVM are measured apart, by {@link S3FirstLoad}.
 */
public final class S3LoadRatios {
  private S3LoadRatios() {}

  /**
   * Runs the paired rounds and prints each side's median time and the median ratio.
   *
   * @param args optional: rounds, size in MiB, parallelism, forceToDisk, reverifyEveryUse, warm-up rounds
   * @throws Exception if the benchmark state cannot be set up
   */
  public static void main(String[] args) throws Exception {
    System.out.println("S3LoadRatios " + String.join(" ", args));
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    S3LoadBenchmark b = new S3LoadBenchmark();
    b.sizeMib = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    b.parallelism = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    b.forceToDisk = args.length > 3 && Boolean.parseBoolean(args[3]);
    b.reverifyEveryUse = args.length > 4 && Boolean.parseBoolean(args[4]);
    int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 30;
    Blackhole blackhole = new Blackhole(
        "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    try {
      b.setUp();
      report("cold vs plain getObject (target <= 1.10)", paired(b, warmup, rounds,
          b::coldCachedS3Store, b::coldPlainGetObject));
      report("cold vs getObject + SHA-256 + force by hand", paired(b, warmup, rounds,
          b::coldCachedS3Store, b::coldPlainGetObjectVerified));
      report("warm vs reading the same file (target <= 1.05)", paired(b, warmup, 4 * rounds,
          () -> b.warmCacheHit(blackhole), () -> b.warmLocalFile(blackhole)));
    } finally {
      b.tearDown();
      blackhole.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }
  }

  private record Pairs(List<Double> maas, List<Double> baseline, List<Double> ratios, List<Double> cpuRatios) {}

  private static Pairs paired(S3LoadBenchmark b, int warmup, int rounds, Callable<?> maas, Callable<?> baseline)
      throws Exception {
    Pairs pairs = new Pairs(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < warmup + rounds; round++) {
      boolean maasFirst = round % 2 == 0;
      double[] first = time(b, maasFirst ? maas : baseline);
      double[] second = time(b, maasFirst ? baseline : maas);
      if (round >= warmup) {
        double[] m = maasFirst ? first : second;
        double[] base = maasFirst ? second : first;
        pairs.maas().add(m[0]);
        pairs.baseline().add(base[0]);
        pairs.ratios().add(m[0] / base[0]);
        pairs.cpuRatios().add(m[1] / base[1]);
      }
    }
    return pairs;
  }

  /** Wall time and process CPU time of one call, in milliseconds. */
  private static double[] time(S3LoadBenchmark b, Callable<?> method) throws Exception {
    b.empty();
    long cpu = Stats.processCpuNanos();
    long start = System.nanoTime();
    method.call();
    return new double[] {(System.nanoTime() - start) / 1e6, (Stats.processCpuNanos() - cpu) / 1e6};
  }

  private static void report(String what, Pairs pairs) {
    System.out.printf("%s: maas %.1f ms, baseline %.1f ms (medians of %d rounds); median ratio %.3f, "
            + "quartiles %.3f to %.3f; CPU time ratio %.3f%n",
        what, Stats.median(pairs.maas()), Stats.median(pairs.baseline()), pairs.ratios().size(),
        Stats.median(pairs.ratios()), quantile(pairs.ratios(), 0.25), quantile(pairs.ratios(), 0.75),
        Stats.median(pairs.cpuRatios()));
  }

  private static double quantile(List<Double> values, double q) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.round(q * (sorted.size() - 1))));
  }
}
