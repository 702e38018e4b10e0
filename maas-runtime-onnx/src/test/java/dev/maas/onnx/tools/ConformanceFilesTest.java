package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtSession;
import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Reads the tensor files of the ONNX backend test suite in {@code <maas.shared.dir>/conformance/
 * onnx-backend} (not part of this repository; skipped when absent).
 */
class ConformanceFilesTest {
  private static final Pattern TENSOR_FILE = Pattern.compile("(input|output)_\\d+\\.pb");
  private static final String[] FIELD_NAMES = new String[15];

  static {
    FIELD_NAMES[4] = "float_data";
    FIELD_NAMES[5] = "int32_data";
    FIELD_NAMES[6] = "string_data";
    FIELD_NAMES[7] = "int64_data";
    FIELD_NAMES[9] = "raw_data";
    FIELD_NAMES[10] = "double_data";
    FIELD_NAMES[11] = "uint64_data";
  }

  static Path suite() {
    String shared = System.getProperty("maas.shared.dir");
    Path dir = shared == null ? null : Path.of(shared, "conformance", "onnx-backend");
    assumeTrue(dir != null && Files.isDirectory(dir),
        "skipped: ONNX backend conformance data not found at " + dir
            + " (surefire sets maas.shared.dir to <repo>/../shared)");
    return dir;
  }

  @Test
  void everyTensorFileOfTheBackendSuiteParses() throws IOException {
    Path suite = suite();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(suite)) {
      files = walk.filter(p -> TENSOR_FILE.matcher(p.getFileName().toString()).matches()).sorted()
          .collect(Collectors.toList());
    }
    Map<String, Integer> byType = new TreeMap<>();
    Map<String, Integer> byStorage = new TreeMap<>();
    Map<Integer, Integer> byRank = new TreeMap<>();
    Map<Path, String> rejected = new LinkedHashMap<>();
    for (Path file : files) {
      try {
        Tensor t = TensorProtos.read(file).tensor();
        byType.merge(t.dtype().toString(), 1, Integer::sum);
        byRank.merge(t.rank(), 1, Integer::sum);
        byStorage.merge(storage(Files.readAllBytes(file)), 1, Integer::sum);
      } catch (InvalidInputException e) {
        rejected.put(suite.relativize(file), e.getMessage());
      }
    }
    System.out.printf("ONNX backend suite: %d tensor files, %d parsed, %d rejected%n",
        files.size(), files.size() - rejected.size(), rejected.size());
    System.out.println("  by dtype:   " + byType);
    System.out.println("  by rank:    " + byRank);
    System.out.println("  by storage: " + byStorage);
    rejected.forEach((f, why) -> System.out.println("  rejected " + f + ": " + why));

    assertTrue(files.size() >= 300, "expected hundreds of tensor files, found " + files.size());
    // The only acceptable rejections: element types maas has no DType for.
    Map<Path, String> unexpected = new LinkedHashMap<>(rejected);
    unexpected.values().removeIf(why -> why.contains("has no maas dtype"));
    assertEquals(Map.of(), unexpected);
  }

  /** Which data fields a TensorProto uses, found by scanning its top-level fields. */
  private static String storage(byte[] proto) {
    ProtoReader r = new ProtoReader(proto, "TensorProto");
    List<String> used = new ArrayList<>();
    while (r.hasRemaining()) {
      int field = r.readTag();
      String name = field < FIELD_NAMES.length ? FIELD_NAMES[field] : null;
      if (name != null && !used.contains(name)) {
        used.add(name);
      }
      r.skipField();
    }
    return used.isEmpty() ? "(none)" : String.join("+", used);
  }

  /**
   * Runs every backend test that raw ONNX Runtime 1.29 passes (per MANIFEST.tsv) on the inputs this
   * reader parsed, and compares with the outputs it parsed: a check of the values, not just that
   * parsing succeeds. Tolerances are the backend suite's defaults (rtol 1e-3, atol 1e-7), widened to
   * 1e-3 absolute for float16.
   */
  @TestFactory
  Stream<DynamicTest> passingBackendTestsReproduceTheirParsedOutputs() throws IOException {
    Path suite = suite();
    Map<String, String> status = new HashMap<>();
    for (String line : Files.readAllLines(suite.resolve("MANIFEST.tsv"))) {
      String[] cols = line.split("\t", -1);
      if (cols.length > 13 && !cols[0].equals("group")) {
        status.put(cols[0] + "/" + cols[1], cols[13]);
      }
    }
    return status.entrySet().stream()
        .filter(e -> e.getValue().equals("PASS"))
        .map(Map.Entry::getKey)
        .sorted()
        .map(test -> DynamicTest.dynamicTest(test, () -> runBackendTest(suite.resolve(test))));
  }

  private static void runBackendTest(Path dir) throws Exception {
    byte[] model = Files.readAllBytes(dir.resolve("model.onnx"));
    try (OrtSession session = Ort.session(model); Stream<Path> sets = Files.list(dir)) {
      List<String> inputNames = new ArrayList<>(session.getInputNames());
      List<String> outputNames = new ArrayList<>(session.getOutputNames());
      for (Path set : sets.filter(Files::isDirectory).sorted().collect(Collectors.toList())) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
          inputs.put(inputNames.get(i), TensorProtos.read(set.resolve("input_" + i + ".pb")).tensor());
        }
        for (Tensor t : inputs.values()) {
          assumeTrue(Ort.canCreate(t.dtype()), "ORT Java cannot create " + t.dtype() + " inputs");
        }
        Map<String, Tensor> actual = Ort.run(session, inputs);
        for (int i = 0; Files.exists(set.resolve("output_" + i + ".pb")); i++) {
          Tensor expected = TensorProtos.read(set.resolve("output_" + i + ".pb")).tensor();
          assertClose(set.getFileName() + "/output_" + i, expected, actual.get(outputNames.get(i)));
        }
      }
    }
  }

  private static void assertClose(String what, Tensor expected, Tensor actual) {
    assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
    assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + " shape");
    if (expected.dtype() == DType.STRING) {
      assertEquals(Arrays.asList(expected.toStringArray()), Arrays.asList(actual.toStringArray()), what);
      return;
    }
    double[] e = expected.toDoubles();
    double[] a = actual.toDoubles();
    boolean floating = expected.dtype() == DType.FLOAT32 || expected.dtype() == DType.FLOAT64
        || expected.dtype() == DType.FLOAT16 || expected.dtype() == DType.BFLOAT16;
    double atol = expected.dtype() == DType.FLOAT16 || expected.dtype() == DType.BFLOAT16 ? 1e-3 : 1e-7;
    for (int i = 0; i < e.length; i++) {
      if (floating ? !close(e[i], a[i], atol) : e[i] != a[i]) {
        fail(what + " element " + i + ": expected " + e[i] + " but was " + a[i]);
      }
    }
  }

  private static boolean close(double e, double a, double atol) {
    if (Double.isNaN(e) || Double.isNaN(a)) {
      return Double.isNaN(e) && Double.isNaN(a);
    }
    if (Double.isInfinite(e)) {
      return e == a;
    }
    return Math.abs(e - a) <= atol + 1e-3 * Math.abs(e);
  }
}
