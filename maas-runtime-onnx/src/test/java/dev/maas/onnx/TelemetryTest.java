package dev.maas.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privacy by default: a JVM whose environment lacks ORT_DISABLE_TELEMETRY loads and runs a model
 * through maas, and ONNX Runtime leaves no telemetry traces (its cache under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime and a mat-debug-PID.log in the temp directory are
 * what it writes when telemetry is on). No control run with telemetry on: it would send traffic.
 */
class TelemetryTest {
  @TempDir Path tmp;

  @Test
  void noTelemetryTracesEvenWithoutTheVariable() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path temp = Files.createDirectories(tmp.resolve("temp"));
    Path store = tmp.resolve("store");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Djava.io.tmpdir=" + temp, "-Duser.home=" + home, TelemetryChild.class.getName(), store.toString(), "2500");
    Map<String, String> env = pb.environment();
    env.remove("ORT_DISABLE_TELEMETRY");
    env.put("HOME", home.toString());
    env.put("TMPDIR", temp.toString());
    env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes());
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("env-before=null"), "the child must start without the variable:\n" + out);
    assertTrue(out.contains("output=[1.0, 2.0, 3.0]"), out);
    assertTrue(out.contains("native=1"), "maas must set ORT_DISABLE_TELEMETRY=1 in the process:\n" + out);
    String pid = out.lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4);

    assertFalse(Files.exists(home.resolve(".cache/Microsoft")), "telemetry cache written under " + home);
    List<Path> traces;
    try (Stream<Path> s = Stream.concat(Files.walk(home), Files.walk(temp))) {
      traces = s.filter(f -> f.getFileName().toString().startsWith("mat-debug")
          || f.toString().contains(".onnxruntime")).toList();
    }
    assertEquals(List.of(), traces);
    assertFalse(Files.exists(Path.of("/tmp/mat-debug-" + pid + ".log")), "mat-debug log written in /tmp");
  }
}
