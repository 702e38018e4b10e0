package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maas.ConflictException;
import dev.maas.InferenceRequest;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.VersionNotFoundException;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.testing.Fuzzing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Random model and alias names — any characters, path tricks, control characters, overlong —
 * through every call that takes a name: each ends with a result or a typed exception, and nothing
 * is ever written anywhere (inside the store or, through a path trick, outside it).
 */
@AddLifecycleHook(Fuzzing.class)
class NameFuzzTest {
  private static final Set<Class<? extends MaasException>> ALLOWED = Set.of(InvalidInputException.class,
      ModelNotFoundException.class, VersionNotFoundException.class, ConflictException.class);
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));

  private static Path dir;
  private static OnnxRuntime onnx;
  private static ModelService maas;
  private static Set<String> files;

  @BeforeContainer
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("maas-name-fuzz");
    onnx = OnnxRuntime.create();
    Path model = Files.write(Files.createTempFile("mlp", ".onnx"), SampleModels.mlp(4, 8, 3, 1));
    maas = ModelService.builder().storeDirectory(dir.resolve("store")).runtime(onnx).build();
    maas.deploy("m", model);
    maas.setAlias("m", "prod", 1);
    Files.delete(model);
    files = snapshot();
  }

  @AfterContainer
  static void tearDown() throws Exception {
    maas.close();
    onnx.close();
    try (var all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Every path under the test's directory, and the entries of its parent that look like ours. */
  private static Set<String> snapshot() throws Exception {
    Set<String> out = new TreeSet<>();
    try (var all = Files.walk(dir)) {
      all.forEach(p -> out.add(dir.relativize(p).toString()));
    }
    return out;
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.frequencyOf(
        Tuple.of(20, Arbitraries.strings().ofMaxLength(20)),
        Tuple.of(25, Arbitraries.strings().withChars("./\\:@%~-_ \u0000\n\tmM0".toCharArray()).ofMaxLength(10)),
        Tuple.of(20, Arbitraries.strings().withChars("abcXYZ019._-".toCharArray()).ofMinLength(1).ofMaxLength(140)),
        Tuple.of(15, Arbitraries.of("m", "prod", "M", "m ", " m", "m\n", "..", ".", "../m", "m/../m", "/etc/passwd",
            "a/b", "a\\b", "%2e%2e", "m%00", "m\u0000", "\u202em", "CON", "nul", "m.json", "m:1", "m@prod", "1", "0",
            "-1", "", "models", "blobs", "sha256", "..\\..\\x", "\u00e9", "\uD83D\uDE00")),
        Tuple.of(20, Arbitraries.strings().withChars("m:@0123456789prod-.".toCharArray()).ofMinLength(1).ofMaxLength(12)));
  }

  @Property(tries = 30_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyNameEndsTypedAndWritesNothing(@ForAll("names") String name, @ForAll("names") String alias) throws Exception {
    Path missing = dir.resolve("no-such-file.onnx");
    List<Callable<?>> calls = List.of(
        () -> ModelRef.parse(name),
        () -> ModelRef.parse(name + ":" + alias),
        () -> ModelRef.parse(name + "@" + alias),
        () -> maas.versions(name),
        () -> maas.aliases(name),
        () -> maas.alias(name, alias),
        () -> maas.manifest(ModelRef.parse(name)),
        () -> maas.manifest(ModelRef.parse(name + "@" + alias)),
        () -> maas.predict(ModelRef.parse(name), ROW),
        () -> maas.predict(ModelRef.parse(name + "@" + alias), ROW),
        () -> {
          maas.undeploy(name, 7);
          return null;
        },
        () -> maas.setAlias(name, alias, 99),
        () -> maas.rollback(name, alias),
        () -> maas.deploy(name, missing));
    for (Callable<?> call : calls) {
      Statistics.collect(Bounded.run(ALLOWED, call));
    }
    assertEquals(files, snapshot(), "nothing was written, inside the store or out of it");
  }
}
