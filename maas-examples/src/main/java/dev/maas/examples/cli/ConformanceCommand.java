package dev.maas.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maas.examples.conformance.ConformanceRunner;
import dev.maas.examples.conformance.TestOutcome;
import dev.maas.examples.conformance.TestOutcome.Status;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas conformance DIR [--json] [--raw]}: run ONNX backend-style tests. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
    description = {
        "Run ONNX backend-style tests (every folder with a model.onnx under DIR) through maas, or",
        "with --raw through ONNX Runtime directly. Prints PASS/FAIL/ERROR per test and a summary.",
        "Exit code 0 when no test FAILED (gave a wrong answer); ERRORs (cannot run) are reported only."})
final class ConformanceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Folder holding the tests, at any depth.")
  Path dir;

  @Option(names = "--json", description = "Print one JSON object with the counts and every result instead of lines.")
  boolean json;

  @Option(names = "--raw", description = "Bypass maas: run the tests on ONNX Runtime directly (the reference).")
  boolean raw;


  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("not a directory: " + dir);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path store = Files.createTempDirectory("maas-conformance");
    try {
      List<TestOutcome> results = ConformanceRunner.run(dir,
          raw ? ConformanceRunner.Mode.RAW : ConformanceRunner.Mode.MAAS, store,
          o -> {
            if (!json) {
              out.println(o.line());
              out.flush();
            }
          });
      long passed = results.stream().filter(o -> o.status() == Status.PASS).count();
      long failed = results.stream().filter(o -> o.status() == Status.FAIL).count();
      long errored = results.stream().filter(o -> o.status() == Status.ERROR).count();
      if (json) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("mode", raw ? "raw" : "maas");
        doc.put("passed", passed);
        doc.put("failed", failed);
        doc.put("errored", errored);
        doc.put("tests", results);
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
      } else {
        out.println(passed + " passed, " + failed + " failed, " + errored + " errored");
      }
      out.flush();
      return failed == 0 ? 0 : 1;
    } finally {
      deleteTree(store);
    }
  }

  private static void deleteTree(Path p) {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (Exception e) {
      // best effort: a temp folder
    }
  }
}
