package dev.maas.examples.conformance;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.examples.conformance.TestOutcome.Status;
import dev.maas.examples.RawOnnx;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.NamedTensor;
import dev.maas.onnx.tools.TensorProtos;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs ONNX backend-style tests: each folder holding a {@code model.onnx} is a test, with data sets
 * {@code test_data_set_N/input_K.pb} and {@code output_K.pb} (serialized ONNX TensorProtos; input K
 * is the model's K-th input that has no initializer, unless the tensor names its input).
 *
 * <p>In maas mode each model is deployed into a temporary store and every data set runs through
 * {@link ModelService#predict}. In raw mode the same tests run on ONNX Runtime directly, with
 * conversions written independently of maas's, as the reference to compare with.
 */
public final class ConformanceRunner {
  private static final Pattern NUMBERED = Pattern.compile("(input|output)_(\\d+)\\.pb");

  /** Which path the tests take. */
  public enum Mode {
    /** Through {@link ModelService}: deploy, then predict. */
    MAAS,
    /** Through ONNX Runtime's Java API directly, bypassing maas. */
    RAW
  }

  private ConformanceRunner() {}

  /** Every folder under {@code root} (at any depth) that holds a {@code model.onnx}, sorted. */
  public static List<Path> findTests(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals("model.onnx") && Files.isRegularFile(p))
          .map(Path::getParent)
          .sorted()
          .toList();
    }
  }

  /**
   * Runs every test under {@code root}, reporting each outcome to {@code sink} as it completes.
   *
   * @param storeDir an empty directory for maas mode's store (unused in raw mode)
   */
  public static List<TestOutcome> run(Path root, Mode mode, Path storeDir, Consumer<TestOutcome> sink) throws IOException {
    List<Path> tests = findTests(root);
    List<TestOutcome> outcomes = new ArrayList<>();
    try (Engine engine = mode == Mode.MAAS ? new MaasEngine(storeDir) : new RawEngine()) {
      Set<String> usedNames = new HashSet<>();
      for (Path test : tests) {
        String name = root.relativize(test).toString().replace('\\', '/');
        if (name.isEmpty()) {
          name = test.getFileName().toString();
        }
        long start = System.nanoTime();
        TestOutcome o;
        try {
          o = runOne(engine, test, name, modelName(test, usedNames), start);
        } catch (Exception | LinkageError e) {
          o = new TestOutcome(name, Status.ERROR, reason(e), (System.nanoTime() - start) / 1_000_000);
        }
        outcomes.add(o);
        sink.accept(o);
      }
    }
    return outcomes;
  }

  private static TestOutcome runOne(Engine engine, Path test, String name, String modelName, long start) throws Exception {
    List<Path> dataSets;
    try (Stream<Path> s = Files.list(test)) {
      dataSets = s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("test_data_set_"))
          .sorted().toList();
    }
    try (Prepared model = engine.prepare(modelName, test.resolve("model.onnx"))) {
      for (Path ds : dataSets) {
        List<NamedTensor> inputs = readNumbered(ds, "input");
        List<NamedTensor> expected = readNumbered(ds, "output");
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (int k = 0; k < inputs.size(); k++) {
          NamedTensor in = inputs.get(k);
          String inputName = model.inputNames().contains(in.name()) ? in.name()
              : k < model.inputNames().size() ? model.inputNames().get(k) : null;
          if (inputName == null) {
            return outcome(name, Status.ERROR, ds.getFileName() + " has " + inputs.size()
                + " inputs but the model takes " + model.inputNames().size(), start);
          }
          feed.put(inputName, in.tensor());
        }
        Map<String, Tensor> actual = model.run(feed);
        List<String> outputNames = new ArrayList<>(actual.keySet());
        for (int k = 0; k < expected.size(); k++) {
          NamedTensor e = expected.get(k);
          String outName = actual.containsKey(e.name()) ? e.name() : k < outputNames.size() ? outputNames.get(k) : null;
          if (outName == null) {
            return outcome(name, Status.FAIL, ds.getFileName() + ": no output " + k, start);
          }
          String diff = Comparison.difference(outName, e.tensor(), actual.get(outName));
          if (diff != null) {
            return outcome(name, Status.FAIL, ds.getFileName() + ": " + diff, start);
          }
        }
      }
    }
    return outcome(name, Status.PASS, "", start);
  }

  private static TestOutcome outcome(String name, Status status, String reason, long start) {
    return new TestOutcome(name, status, reason, (System.nanoTime() - start) / 1_000_000);
  }

  private static List<NamedTensor> readNumbered(Path dataSet, String kind) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dataSet)) {
      s.forEach(p -> {
        Matcher m = NUMBERED.matcher(p.getFileName().toString());
        if (m.matches() && m.group(1).equals(kind)) {
          files.add(p);
        }
      });
    }
    files.sort(Comparator.comparingInt(p -> index(p)));
    List<NamedTensor> out = new ArrayList<>();
    for (Path p : files) {
      out.add(TensorProtos.read(p));
    }
    return out;
  }

  private static int index(Path p) {
    Matcher m = NUMBERED.matcher(p.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(2)) : Integer.MAX_VALUE;
  }

  /** A valid, unique model name for a test folder. */
  private static String modelName(Path test, Set<String> used) {
    String base = test.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
    if (base.isEmpty() || !Character.isLetterOrDigit(base.charAt(0))) {
      base = "t" + base;
    }
    if (base.length() > 100) {
      base = base.substring(0, 100);
    }
    String name = base;
    for (int i = 2; !used.add(name); i++) {
      name = base + "-" + i;
    }
    return name;
  }

  static String reason(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    m = m.strip().replaceAll("\\s+", " ");
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  // ------------------------------------------------------------------ engines

  private interface Engine extends AutoCloseable {
    Prepared prepare(String modelName, Path modelFile) throws Exception;

    @Override
    void close();
  }

  private interface Prepared extends AutoCloseable {
    List<String> inputNames();

    Map<String, Tensor> run(Map<String, Tensor> inputs) throws Exception;

    @Override
    default void close() {}
  }

  /** Through the public maas API only. */
  private static final class MaasEngine implements Engine {
    private final ModelService service;

    MaasEngine(Path storeDir) {
      service = ModelService.builder().storeDirectory(storeDir).runtime(OnnxRuntime.create()).build();
    }

    @Override
    public Prepared prepare(String modelName, Path modelFile) {
      ModelVersion v = service.deploy(modelName, modelFile);
      Manifest m = service.manifest(v.ref());
      List<String> inputs = m.signature().inputs().stream().map(TensorSpec::name).toList();
      return new Prepared() {
        @Override
        public List<String> inputNames() {
          return inputs;
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> feed) {
          InferenceResult r = service.predict(v.ref(), InferenceRequest.of(feed));
          return r.outputs();
        }
      };
    }

    @Override
    public void close() {
      service.close();
    }
  }

  /** ONNX Runtime directly: the reference. Conversions here are deliberately independent of maas's. */
  private static final class RawEngine implements Engine {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

    @Override
    public Prepared prepare(String modelName, Path modelFile) throws OrtException {
      OrtSession session;
      try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
        session = env.createSession(modelFile.toString(), so);
      }
      List<String> inputs = new ArrayList<>(session.getInputInfo().keySet());
      List<String> outputs = new ArrayList<>(session.getOutputInfo().keySet());
      return new Prepared() {
        @Override
        public List<String> inputNames() {
          return inputs;
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> feed) throws OrtException {
          Map<String, OnnxTensor> ort = new LinkedHashMap<>();
          try {
            for (Map.Entry<String, Tensor> e : feed.entrySet()) {
              ort.put(e.getKey(), RawOnnx.tensor(env, e.getValue()));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(ort)) {
              for (String o : outputs) {
                OnnxValue v = r.get(o).orElseThrow(() -> new IllegalStateException("no output " + o));
                out.put(o, RawOnnx.fromOnnx((OnnxTensor) v));
              }
            }
            return out;
          } finally {
            ort.values().forEach(OnnxTensor::close);
          }
        }

        @Override
        public void close() {
          try {
            session.close();
          } catch (OrtException e) {
            throw new IllegalStateException(e);
          }
        }
      };
    }

    @Override
    public void close() {
      // The environment is a process-wide singleton: not ours to close.
    }
  }
}
