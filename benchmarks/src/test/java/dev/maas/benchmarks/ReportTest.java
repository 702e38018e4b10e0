package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's ratios and RESULT line, from JMH JSON with known figures. */
class ReportTest {
  @TempDir
  Path dir;

  /** maas 36.75 µs vs raw 35 µs; at 64 callers maas 64k rows/s, raw 40k, DJL 25k, ceiling 128k. */
  static JmhFixtures mlpRun() {
    return new JmhFixtures()
        .overhead("maas", 36.75).overhead("raw", 35).overhead("djl", 49)
        .callers(Contender.MAAS, 64, 1000).callers(Contender.RAW, 64, 1600)
        .callers(Contender.DJL, 64, 2560).callers(Contender.CEILING, 64, 500)
        .callers(Contender.MAAS, 8, 200).callers(Contender.RAW, 8, 200);
  }

  private Report load(JmhFixtures run) throws Exception {
    run.writeTo(dir);
    Report r = new Report();
    r.load(dir);
    return r;
  }

  @Test
  void lastLineIsTheResultWithAllFourRatios() throws Exception {
    String report = load(mlpRun()).render();
    String[] lines = report.split("\n");
    assertEquals("RESULT overhead=1.050 vs_ceiling=0.500 vs_raw=1.600 vs_djl=2.560", lines[lines.length - 1]);
  }

  /**
   * The ceiling and DJL targets are also read from the virtual-thread run (maas's best delay) and
   * from each paired file at 64 callers, while RESULT keeps the platform-thread JMH reading.
   */
  @Test
  void targetsAreAlsoReadFromVirtualCallersAndThePairedWindows() throws Exception {
    JmhFixtures run = mlpRun().virtual("maas", 0, 96_000).virtual("maas", 300, 115_200).virtual("raw", 0, 48_000)
        .virtual("djl", 0, 48_000);
    run.writeTo(dir);
    java.nio.file.Files.writeString(dir.resolve("paired-concurrency-virtual.json"), "{\"model\":\"mlp\",\"callers\":64,"
        + "\"threads\":\"virtual\",\"maxQueueDelayMicros\":300,\"vs_ceiling\":0.91,\"vs_djl\":1.5}");
    java.nio.file.Files.writeString(dir.resolve("paired-concurrency-other.json"), "{\"model\":\"mlp\",\"callers\":8,"
        + "\"threads\":\"platform\",\"maxQueueDelayMicros\":0,\"vs_ceiling\":0.5,\"vs_djl\":1.0}");
    Report r = new Report();
    r.load(dir);
    String report = r.render();
    // 115,200 / the ceiling's 128,000 rows/s = 0.9; / DJL's 48,000 = 2.4
    assertTrue(report.contains("| 64 callers, virtual threads (JMH; maas's queue delay 300 µs): maas ≥ 0.9 × ceiling;"
        + " ≥ 2 × DJL | 0.900; 2.400 | yes; yes |"), report);
    assertTrue(report.contains("| 64 callers, virtual threads, paired windows (queue delay 300 µs): maas ≥ 0.9 × ceiling;"
        + " ≥ 2 × DJL | 0.910; 1.500 | yes; **no** |"), report);
    assertFalse(report.contains("platform threads, paired windows"), "only 64 callers are read against the targets");
    assertEquals("RESULT overhead=1.050 vs_ceiling=0.500 vs_raw=1.600 vs_djl=2.560", r.resultLine());
  }

  @Test
  void theOnnxRuntimeVersionNamedIsTheOneBuiltWith() throws Exception {
    String onClasspath = ai.onnxruntime.OrtEnvironment.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath();
    assertTrue(Report.ORT_VERSION.matches("\\d+\\.\\d+\\.\\d+.*"), Report.ORT_VERSION);
    assertTrue(onClasspath.contains("onnxruntime-" + Report.ORT_VERSION + ".jar")
        || onClasspath.contains("/" + Report.ORT_VERSION + "/"), onClasspath + " vs " + Report.ORT_VERSION);
    assertTrue(load(mlpRun()).render().contains("same ONNX Runtime (" + Report.ORT_VERSION + ")"));
  }

  @Test
  void djlMissingReadsNan() throws Exception {
    Report r = load(new JmhFixtures().overhead("maas", 36.75).overhead("raw", 35)
        .callers(Contender.MAAS, 64, 1000).callers(Contender.RAW, 64, 1600).callers(Contender.CEILING, 64, 500));
    assertTrue(r.resultLine().endsWith(" vs_djl=nan"), r.resultLine());
  }

  @Test
  void tablesShowDjlAndTheMaasOverDjlRatios() throws Exception {
    String report = load(mlpRun()).render();
    assertTrue(report.contains("| 64 | 64,000 | 40,000 | 25,000 | 128,000 | **1.600** | **2.560** | **0.500** |"), report);
    assertTrue(report.contains("| 36.8 | 35.0 | 49.0 | **1.050** | **0.750** |"), report);
    assertTrue(report.contains("| 64 callers: maas ≥ 2 × DJL | 2.560 | yes |"), report);
  }

  /**
   * One op of the in-flight benchmark is one row, whatever its {@code inFlight}: 12.5 µs per op is
   * 80,000 rows/s, 0.625 of the 128,000 ceiling; it lands on its own N's row only.
   */
  @Test
  void inFlightRowsPerSecondCountOneRowPerOpOnItsOwnCallerCount() throws Exception {
    String report = load(mlpRun().inFlight(64, 12.5)).render();
    // the cost table's rows: N and 25 figures, the last three for the in-flight run (CPU not profiled)
    List<String> costRows = report.lines()
        .filter(l -> (l.startsWith("| 8 | ") || l.startsWith("| 64 | ")) && l.split("\\|").length == 27).toList();
    assertEquals(2, costRows.size(), report);
    assertTrue(costRows.get(0).startsWith("| 8 | ") && costRows.get(0).endsWith("| n/a | nan | n/a |"), costRows.get(0));
    assertTrue(costRows.get(1).startsWith("| 64 | ") && costRows.get(1).endsWith("| 80,000 | 0.625 | n/a |"),
        costRows.get(1));
  }

  @Test
  void figuresHoldEveryMeasuredContenderPerCallerCount() throws Exception {
    List<Charts.ModelFigures> figures = load(mlpRun()).figures();
    assertEquals(1, figures.size());
    Charts.ModelFigures mlp = figures.get(0);
    assertEquals("mlp", mlp.model());
    assertEquals(List.of(8, 64), java.util.Arrays.stream(mlp.callers()).boxed().toList());
    assertEquals(List.of(Contender.MAAS, Contender.RAW, Contender.CEILING, Contender.DJL), List.copyOf(mlp.series().keySet()));
    assertEquals(25_000, mlp.series().get(Contender.DJL).rowsPerSecond()[1], 1e-6);
    assertTrue(Double.isNaN(mlp.series().get(Contender.DJL).rowsPerSecond()[0]), "DJL did not run at 8 callers");
    assertEquals(0.5, mlp.series().get(Contender.CEILING).p99Ms()[1], 1e-9);
  }
}
