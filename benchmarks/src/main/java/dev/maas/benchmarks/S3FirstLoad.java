package dev.maas.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first cold loads in a fresh JVM, which is what an application pays for its first models:
 * nothing of the SDK, the server or the cache is compiled yet. {@link S3LoadRatios} measures the
 * steady state (after 30 warm-up rounds); this measures the other end. Each round starts one new
 * JVM per side, alternating which goes first; a child starts {@link S3LoadBenchmark}'s server and
 * store and puts the blob there with a plain {@code putObject} (no download code of either side
 * runs before the timing), then times {@code loads} cold loads in a row ({@code coldCachedS3Store}
 * or {@code coldPlainGetObject}, each on an emptied target). The report gives, per load number, the
 * median time of each side and their ratio: how each side's time falls as the JIT compiles it.
 *
 * <p>With {@code separate} as the fourth argument the server runs in a process of its own ({@link
 * S3ServerProcess}), warmed before the measured rounds by one child of each side doing 30 loads
 * (discarded): the clients start fresh, the server is warm, as a real S3 service is. Otherwise each
 * child runs its own in-process server, which starts as cold as the client and whose range handling
 * (only maas's side asks for ranges) is compiled during the measured loads too.
 *
 * <pre>
 * ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true \
 *   java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.S3FirstLoad [rounds=6] [sizeMib=200] [loads=1] [separate|inprocess] [partMib=8]
 * </pre>
 */
public final class S3FirstLoad {
  private S3FirstLoad() {}

  /**
   * With {@code child maas|plain sizeMib loads partMib [endpoint secret bucket]}: the timed loads,
   * printed as {@code millis=a,b,...}. Otherwise the driver: runs the children and prints the
   * medians per load number.
   *
   * @param args {@code [rounds] [sizeMib] [loads] [separate|inprocess] [partMib]}, or the child's
   * @throws Exception if a child cannot be run
   */
  public static void main(String[] args) throws Exception {
    if (args.length >= 5 && args[0].equals("child")) {
      String[] server = args.length == 8 ? new String[] {args[5], args[6], args[7]} : null;
      child(args[1].equals("maas"), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          server);
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int sizeMib = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int loads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    String where = args.length > 3 ? args[3] : "inprocess";
    if (!where.equals("separate") && !where.equals("inprocess")) {
      throw new IllegalArgumentException("the fourth argument is separate or inprocess, not " + where);
    }
    boolean separate = where.equals("separate");
    int partMib = args.length > 4 ? Integer.parseInt(args[4]) : 8;
    Process serverProcess = null;
    String[] server = null;
    Path serverData = Files.createTempDirectory("maas-s3-server-");
    try {
      if (separate) {
        serverProcess = new ProcessBuilder(javaCommand(), "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", System.getProperty("java.class.path"), S3ServerProcess.class.getName(), serverData.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
            serverProcess.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        java.util.concurrent.CompletableFuture<String> first = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
          try {
            first.complete(out.readLine());
            while (out.readLine() != null) {
              // drained, so the server never blocks on a full pipe
            }
          } catch (java.io.IOException e) {
            first.complete(null);
          }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
          line = first.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException("the server process did not start in 60 s");
        }
        Matcher m = Pattern.compile("endpoint=(\\S+) secret=(\\S+) bucket=(\\S+)").matcher(line == null ? "" : line);
        if (!m.find()) {
          throw new IllegalStateException("the server process said: " + line);
        }
        server = new String[] {m.group(1), m.group(2), m.group(3)};
        runChild(true, sizeMib, 30, partMib, server);   // warms the server's range handling
        runChild(false, sizeMib, 30, partMib, server);  // and its whole-object GETs
      }
      List<double[]> maas = new ArrayList<>();
      List<double[]> plain = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        boolean maasFirst = round % 2 == 0;
        for (boolean side : new boolean[] {maasFirst, !maasFirst}) {
          (side ? maas : plain).add(runChild(side, sizeMib, loads, partMib, server));
        }
      }
      System.out.printf("cold loads in a fresh JVM, %d MiB, %d JVMs a side, server %s, ranges of %d MiB, medians per"
          + " load number:%n", sizeMib, rounds, separate ? "in a process of its own, warmed" : "in each client's JVM",
          partMib);
      for (int i = 0; i < loads; i++) {
        double m = Stats.median(maas, i);
        double p = Stats.median(plain, i);
        System.out.printf("  load %3d: maas %7.1f ms, plain getObject %7.1f ms, ratio %.3f%n", i + 1, m, p, m / p);
      }
      if (loads == 1) {
        System.out.println("  maas " + column(maas, 0) + " ms; plain " + column(plain, 0) + " ms");
      }
    } finally {
      if (serverProcess != null) {
        serverProcess.getOutputStream().close();
        if (!serverProcess.waitFor(30, TimeUnit.SECONDS)) {
          serverProcess.destroyForcibly();
        }
      }
      S3LoadBenchmark.deleteTree(serverData);
    }
  }

  private static void child(boolean maas, int sizeMib, int loads, int partMib, String[] server) throws Exception {
    S3LoadBenchmark b = new S3LoadBenchmark();
    b.sizeMib = sizeMib;
    b.parallelism = 4;
    b.partMib = partMib;
    StringBuilder times = new StringBuilder();
    try {
      if (server != null) {
        b.useServer(java.net.URI.create(server[0]), server[1], server[2]);
      } else {
        b.startServerWithBlob(true);
      }
      for (int i = 0; i < loads; i++) {
        b.empty();
        long start = System.nanoTime();
        Object result = maas ? b.coldCachedS3Store() : b.coldPlainGetObject();
        long nanos = System.nanoTime() - start;
        if (result == null) {
          throw new IllegalStateException("no result");
        }
        times.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6));
      }
      System.out.println("millis=" + times);
    } finally {
      b.tearDown();
    }
    System.exit(0); // whatever threads a library left behind
  }

  private static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static double[] runChild(boolean maas, int sizeMib, int loads, int partMib, String[] server)
      throws Exception {
    Path log = Files.createTempFile("maas-first-load-", ".log");
    try {
      List<String> command = new ArrayList<>(List.of(javaCommand(), "-Xmx1g",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
          S3FirstLoad.class.getName(), "child", maas ? "maas" : "plain", Integer.toString(sizeMib),
          Integer.toString(loads), Integer.toString(partMib)));
      if (server != null) {
        command.addAll(List.of(server));
      }
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(3 + loads / 10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("child did not finish in time:\n" + Files.readString(log));
      }
      String output = Files.readString(log);
      Matcher millis = Pattern.compile("(?m)^millis=([0-9.,]+)$").matcher(output);
      if (process.exitValue() != 0 || !millis.find()) {
        throw new IllegalStateException("child exited with " + process.exitValue() + ":\n" + output);
      }
      return Arrays.stream(millis.group(1).split(",")).mapToDouble(Double::parseDouble).toArray();
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static List<Double> column(List<double[]> runs, int load) {
    List<Double> values = new ArrayList<>();
    for (double[] run : runs) {
      values.add(run[load]);
    }
    values.sort(null);
    return values;
  }
}
