package dev.maas.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first cold load in a fresh JVM, which is what an application pays for its first model: nothing
 * of the SDK, the server or the cache is compiled yet. {@link S3LoadRatios} measures the steady state
 * (after 30 warm-up rounds); this measures the other end. Each round starts one new JVM per side,
 * alternating which goes first; a child sets up {@link S3LoadBenchmark} (server, 200 MiB blob) and
 * times exactly one {@code coldCachedS3Store} or one {@code coldPlainGetObject}.
 *
 * <pre>
 * ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true \
 *   java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.S3FirstLoad [rounds=6] [sizeMib=200]
 * </pre>
 */
public final class S3FirstLoad {
  private S3FirstLoad() {}

  /**
   * With {@code child maas|plain sizeMib}: one timed load, printed as {@code millis=N}. Otherwise
   * the driver: runs the children and prints both sides' times and the ratio of the medians.
   *
   * @param args {@code [rounds] [sizeMib]}, or {@code child SIDE sizeMib}
   * @throws Exception if a child cannot be run
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("child")) {
      child(args[1].equals("maas"), Integer.parseInt(args[2]));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int sizeMib = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    List<Double> maas = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      boolean maasFirst = round % 2 == 0;
      for (boolean side : new boolean[] {maasFirst, !maasFirst}) {
        (side ? maas : plain).add(runChild(side, sizeMib));
      }
    }
    Collections.sort(maas);
    Collections.sort(plain);
    System.out.printf("first cold load in a fresh JVM, %d MiB, %d JVMs a side: maas %s ms, plain getObject %s ms;"
        + " ratio of medians %.3f%n", sizeMib, rounds, maas, plain, median(maas) / median(plain));
  }

  private static void child(boolean maas, int sizeMib) throws Exception {
    S3LoadBenchmark b = new S3LoadBenchmark();
    b.sizeMib = sizeMib;
    b.parallelism = 4;
    b.setUp();
    try {
      b.empty();
      long start = System.nanoTime();
      Object result = maas ? b.coldCachedS3Store() : b.coldPlainGetObject();
      long nanos = System.nanoTime() - start;
      if (result == null) {
        throw new IllegalStateException("no result");
      }
      System.out.printf("millis=%.1f%n", nanos / 1e6);
    } finally {
      b.tearDown();
    }
    System.exit(0); // whatever threads a library left behind
  }

  private static double runChild(boolean maas, int sizeMib) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = Files.createTempFile("maas-first-load-", ".log");
    try {
      Process process = new ProcessBuilder(java, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp", System.getProperty("java.class.path"), S3FirstLoad.class.getName(), "child",
          maas ? "maas" : "plain", Integer.toString(sizeMib))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("child did not finish in 3 minutes:\n" + Files.readString(log));
      }
      String output = Files.readString(log);
      Matcher millis = Pattern.compile("(?m)^millis=([0-9.]+)$").matcher(output);
      if (process.exitValue() != 0 || !millis.find()) {
        throw new IllegalStateException("child exited with " + process.exitValue() + ":\n" + output);
      }
      return Double.parseDouble(millis.group(1));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
