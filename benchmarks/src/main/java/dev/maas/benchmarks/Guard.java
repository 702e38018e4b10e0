package dev.maas.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The regression guard of the benchmark script: reads the JMH results of a run (as {@link Report}
 * does) and fails, with a non-zero exit status, when on the MLP
 *
 * <ul>
 *   <li>maas's overhead at batch 1 (maas / raw ONNX Runtime time per call, one thread, batching
 *       off) exceeds {@code maxOverhead} (1.10 by default), or
 *   <li>maas's batched throughput with 64 callers is below {@code minVsCeiling} (0.80 by default)
 *       of the ceiling: raw ONNX Runtime running pre-formed batches of 64.
 * </ul>
 *
 * It prints both comparisons, the figures they came from and the verdict. Exit status: 0 passed, 1
 * a threshold missed, 2 a figure missing (the guard cannot vouch for what it did not see).
 * Thresholds: system properties {@code maas.guard.maxOverhead} and {@code maas.guard.minVsCeiling},
 * else environment variables {@code MAAS_GUARD_MAX_OVERHEAD} and {@code MAAS_GUARD_MIN_VS_CEILING}.
 * It guards the benchmark script ({@code benchmarks/run.sh}, {@code benchmarks/run.sh guard}), never
 * the unit tests: wall-clock ratios on a shared machine have no place in a build that must pass.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.Guard benchmarks/target
 * }</pre>
 */
public final class Guard {
  private Guard() {}

  /**
   * The limits checked.
   *
   * @param maxOverhead the largest maas / raw time per call at batch 1 that passes
   * @param minVsCeiling the smallest maas / ceiling throughput at 64 callers that passes
   */
  record Thresholds(double maxOverhead, double minVsCeiling) {
    /** The defaults: the limits. */
    static final Thresholds DEFAULTS = new Thresholds(1.10, 0.80);

    /** Validates. */
    Thresholds {
      if (!(maxOverhead > 0) || !(minVsCeiling >= 0)) {
        throw new IllegalArgumentException("thresholds must be positive, got maxOverhead=" + maxOverhead
            + " minVsCeiling=" + minVsCeiling);
      }
    }

    /** The defaults, each overridden by its system property, else its environment variable. */
    static Thresholds fromEnvironment() {
      return new Thresholds(
          setting("maas.guard.maxOverhead", "MAAS_GUARD_MAX_OVERHEAD", DEFAULTS.maxOverhead),
          setting("maas.guard.minVsCeiling", "MAAS_GUARD_MIN_VS_CEILING", DEFAULTS.minVsCeiling));
    }

    private static double setting(String property, String variable, double fallback) {
      String v = System.getProperty(property);
      if (v == null || v.isBlank()) {
        v = System.getenv(variable);
      }
      if (v == null || v.isBlank()) {
        return fallback;
      }
      try {
        return Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(property + " / " + variable + " must be a number, got '" + v + "'", e);
      }
    }
  }

  /**
   * The outcome.
   *
   * @param exitStatus 0 passed, 1 a threshold missed, 2 a figure missing
   * @param lines what was compared, and the verdict last
   */
  record Verdict(int exitStatus, List<String> lines) {
    /** Whether every check passed. */
    boolean passed() {
      return exitStatus == 0;
    }
  }

  /**
   * Checks the results of a run directory and exits with the verdict's status.
   *
   * @param args the directory holding {@code jmh-*.json} (default {@code target})
   * @throws IOException if a file cannot be read
   */
  public static void main(String[] args) throws IOException {
    Report report = new Report();
    report.load(Path.of(args.length > 0 ? args[0] : "target"));
    Verdict v = check(report, Thresholds.fromEnvironment());
    v.lines().forEach(System.out::println);
    System.out.flush();
    System.exit(v.exitStatus());
  }

  /** Compares a run's figures with the thresholds. */
  static Verdict check(Report report, Thresholds t) {
    List<String> lines = new ArrayList<>();
    double maas = report.overheadMicros("maas", "mlp");
    double raw = report.overheadMicros("raw", "mlp");
    double overhead = maas / raw;
    double paired = report.pairedOverhead("mlp");
    boolean overheadOk = overhead <= t.maxOverhead();
    lines.add("GUARD overhead, MLP, batch 1, one thread, batching off: maas " + Report.fmtUs(maas) + " µs / raw ORT "
        + Report.fmtUs(raw) + " µs per call = " + Report.fmt(overhead) + (Double.isNaN(paired) ? "" : " (paired cross-check "
        + Report.fmt(paired) + ", not judged)") + "; limit <= " + limit(t.maxOverhead()) + ": "
        + verdict(overhead, overheadOk));

    double maas64 = report.rowsPerSecond(Contender.MAAS, "mlp", 64);
    double ceiling64 = report.rowsPerSecond(Contender.CEILING, "mlp", 64);
    double vsCeiling = maas64 / ceiling64;
    boolean ceilingOk = vsCeiling >= t.minVsCeiling();
    lines.add("GUARD throughput, MLP, 64 callers: maas batched " + Report.fmtRate(maas64)
        + " rows/s / ceiling (raw ORT, pre-formed batches of 64) " + Report.fmtRate(ceiling64) + " rows/s = "
        + Report.fmt(vsCeiling) + "; limit >= " + limit(t.minVsCeiling()) + ": " + verdict(vsCeiling, ceilingOk));

    int busy = report.busiest();
    if (busy > Report.BUSY_LIMIT) {
      lines.add("GUARD note: other processes kept the cores up to " + busy + "% busy before a run; wall-clock"
          + " ratios are not reliable, rerun on an idle machine before believing a failure.");
    }
    int status;
    if (Double.isNaN(overhead) || Double.isNaN(vsCeiling)) {
      status = 2;
      lines.add("GUARD FAILED: a figure is missing (no JMH result for it in the directory), so nothing is vouched for.");
    } else if (overheadOk && ceilingOk) {
      status = 0;
      lines.add("GUARD PASSED");
    } else {
      status = 1;
      StringBuilder sb = new StringBuilder("GUARD FAILED:");
      if (!overheadOk) {
        sb.append(" maas's overhead at batch 1 is ").append(Report.fmt(overhead)).append(" × raw ONNX Runtime, over ")
            .append(limit(t.maxOverhead())).append('.');
      }
      if (!ceilingOk) {
        sb.append(" maas with 64 callers reaches ").append(percent(vsCeiling)).append(" of the pre-formed-batch ceiling,")
            .append(" under the floor of ").append(percent(t.minVsCeiling())).append(". maas has not yet reached")
            .append(" this floor (the issue's target) on 2 cores: it runs one batch at a time and blocks one caller")
            .append(" thread per row, while the ceiling keeps both cores on the model (see \"Latest results\" in benchmarks/README.md),")
            .append(" so this failure is expected until that gap closes and is not by itself a regression. To")
            .append(" guard against regressions from today's level instead, lower MAAS_GUARD_MIN_VS_CEILING.");
      }
      lines.add(sb.toString());
    }
    return new Verdict(status, List.copyOf(lines));
  }

  private static String verdict(double value, boolean ok) {
    return Double.isNaN(value) ? "MISSING" : ok ? "ok" : "FAIL";
  }

  private static String limit(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String percent(double v) {
    return String.format(Locale.ROOT, "%.0f%%", 100 * v);
  }
}
