package dev.maas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.DType;
import dev.maas.Tensor;
import dev.maas.examples.cli.MaasCli;
import dev.maas.examples.conformance.ConformanceRunner;
import dev.maas.examples.conformance.TestOutcome;
import dev.maas.examples.conformance.TestOutcome.Status;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.onnx.tools.TensorProtos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance command on generated tests, and on ONNX's own backend tests when ../shared has them. */
class CliConformanceTest {
  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = MaasCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private static void writeTest(Path dir, byte[] model, Tensor input, Tensor expected) throws Exception {
    Path ds = Files.createDirectories(dir.resolve("test_data_set_0"));
    Files.write(dir.resolve("model.onnx"), model);
    Files.write(ds.resolve("input_0.pb"), TensorProtos.write("x", input));
    Files.write(ds.resolve("output_0.pb"), TensorProtos.write("y", expected));
  }

  /** Three generated tests: one passes, one has a wrong expected output, one model is broken. */
  private Path generatedSuite() throws Exception {
    Path root = tmp.resolve("suite");
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    writeTest(root.resolve("node/test_identity"), SampleModels.identity(DType.FLOAT32), x, x);
    writeTest(root.resolve("node/test_wrong"), SampleModels.identity(DType.FLOAT32), x,
        Tensor.of(new float[] {1, 2, 3, 4, 5, 7}, 2, 3));
    writeTest(root.resolve("simple/test_broken"), "garbage".getBytes(), x, x);
    Tensor ints = Tensor.of(new long[] {1, -2, 3}, 1, 3);
    Path i64 = root.resolve("node/test_int64");
    writeTest(i64, SampleModels.identity(DType.INT64), ints, ints);
    return root;
  }

  @Test
  void linesAndSummary() throws Exception {
    Run r = cli("conformance", generatedSuite().toString());
    assertEquals(1, r.exit(), "a FAIL makes the exit code 1\n" + r.out() + r.err());
    assertTrue(r.out().contains("PASS node/test_identity"), r.out());
    assertTrue(r.out().contains("PASS node/test_int64"), r.out());
    assertTrue(r.out().contains("FAIL node/test_wrong: test_data_set_0: output 'y' differs in 1 of 6 elements"), r.out());
    assertTrue(r.out().contains("ERROR simple/test_broken: "), r.out());
    assertTrue(r.out().strip().endsWith("2 passed, 1 failed, 1 errored"), r.out());
  }

  @Test
  void jsonAndRawAgree() throws Exception {
    Path suite = generatedSuite();
    Run maas = cli("conformance", suite.toString(), "--json");
    Run raw = cli("conformance", suite.toString(), "--json", "--raw");
    JsonNode a = new ObjectMapper().readTree(maas.out());
    JsonNode b = new ObjectMapper().readTree(raw.out());
    assertEquals("maas", a.get("mode").asText());
    assertEquals("raw", b.get("mode").asText());
    for (String k : List.of("passed", "failed", "errored")) {
      assertEquals(a.get(k).asInt(), b.get(k).asInt(), k);
    }
    assertEquals(2, a.get("passed").asInt());
    assertEquals(4, a.get("tests").size());
    assertEquals("FAIL", a.get("tests").get(2).get("status").asText());
  }

  @Test
  void missingDirectoryIsAUsageError() {
    Run r = cli("conformance", tmp.resolve("nope").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("error: not a directory"), r.err());
    assertTrue(!r.err().contains("at dev.maas"), "no stack trace without --verbose");
  }

  /**
   * ONNX's backend node tests (in ../shared/conformance, not written by us): maas must not lose a
   * test that raw ONNX Runtime passes, and must give a wrong answer nowhere.
   */
  @Test
  void onnxBackendTestsLoseNothingAgainstRawOnnxRuntime() throws Exception {
    Path shared = Path.of(System.getProperty("maas.shared.dir", "../../shared"), "conformance", "onnx-backend");
    assumeTrue(Files.isDirectory(shared), "skipped: " + shared + " is absent (it lives beside the checkout)");
    List<TestOutcome> maas = ConformanceRunner.run(shared, ConformanceRunner.Mode.MAAS, tmp.resolve("store"), o -> { });
    List<TestOutcome> raw = ConformanceRunner.run(shared, ConformanceRunner.Mode.RAW, tmp.resolve("unused"), o -> { });
    assertEquals(raw.size(), maas.size());
    assertTrue(maas.size() > 200, "expected the backend suite, found " + maas.size() + " tests");
    Map<String, TestOutcome> byName = new TreeMap<>();
    maas.forEach(o -> byName.put(o.name(), o));
    List<String> lost = new ArrayList<>();
    for (TestOutcome r : raw) {
      TestOutcome m = byName.get(r.name());
      if (r.status() == Status.PASS && m.status() != Status.PASS) {
        lost.add(m.line());
      }
    }
    assertEquals(List.of(), lost, "tests raw ONNX Runtime passes but maas does not");
    assertEquals(List.of(), maas.stream().filter(o -> o.status() == Status.FAIL).map(TestOutcome::line).toList(),
        "maas gave wrong answers");
  }
}
