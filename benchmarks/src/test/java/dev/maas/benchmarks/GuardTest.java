package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard's verdicts on known figures (overhead 1.05, 64 callers at 50% of the ceiling). */
class GuardTest {
  @TempDir
  Path dir;

  private Report mlpRun() throws Exception {
    ReportTest.mlpRun().writeTo(dir);
    Report r = new Report();
    r.load(dir);
    return r;
  }

  @Test
  void failsAtTheDefaultCeilingFloorAndSaysWhy() throws Exception {
    Guard.Verdict v = Guard.check(mlpRun(), Guard.Thresholds.DEFAULTS);
    assertEquals(1, v.exitStatus());
    String all = String.join("\n", v.lines());
    assertTrue(all.contains("= 1.050; limit <= 1.10: ok"), all);
    assertTrue(all.contains("64,000 rows/s / ceiling (raw ORT, pre-formed batches of 64) 128,000 rows/s = 0.500; limit >= 0.80: FAIL"), all);
    assertTrue(all.contains("reaches 50% of the pre-formed-batch ceiling, under the floor of 80%"), all);
    assertTrue(all.contains("not by itself a regression"), all);
  }

  @Test
  void passesWithinLowerThresholds() throws Exception {
    Guard.Verdict v = Guard.check(mlpRun(), new Guard.Thresholds(1.10, 0.45));
    assertTrue(v.passed(), String.join("\n", v.lines()));
    assertEquals("GUARD PASSED", v.lines().get(v.lines().size() - 1));
  }

  @Test
  void failsOnOverheadAlone() throws Exception {
    Guard.Verdict v = Guard.check(mlpRun(), new Guard.Thresholds(1.02, 0.45));
    assertEquals(1, v.exitStatus());
    assertTrue(v.lines().get(v.lines().size() - 1).contains("overhead at batch 1 is 1.050 × raw ONNX Runtime, over 1.02"));
  }

  @Test
  void missingFiguresAreAFailureOfTheirOwn() throws Exception {
    Report empty = new Report();
    empty.load(dir);
    Guard.Verdict v = Guard.check(empty, Guard.Thresholds.DEFAULTS);
    assertEquals(2, v.exitStatus());
    assertTrue(v.lines().get(0).endsWith("MISSING"), v.lines().get(0));
  }

  @Test
  void systemPropertiesOverrideTheDefaults() {
    System.setProperty("maas.guard.minVsCeiling", "0.3");
    try {
      Guard.Thresholds t = Guard.Thresholds.fromEnvironment();
      assertEquals(0.3, t.minVsCeiling());
      assertEquals(Guard.Thresholds.DEFAULTS.maxOverhead(), t.maxOverhead());
      System.setProperty("maas.guard.minVsCeiling", "lots");
      assertThrows(IllegalArgumentException.class, Guard.Thresholds::fromEnvironment);
    } finally {
      System.clearProperty("maas.guard.minVsCeiling");
    }
  }
}
