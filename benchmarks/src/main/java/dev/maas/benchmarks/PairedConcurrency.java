package dev.maas.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * <b>The 64-caller question of {@link ConcurrencyBenchmark} and {@link CeilingBenchmark}, asked so
 * that a shared machine cannot bias the answer.</b> JMH measures maas, DJL and the pre-formed-batch
 * ceiling minutes apart, and on this VM the ceiling alone has moved from 135k to 109k rows/s between
 * two runs seven minutes apart: a ratio of separate runs moves by more than the targets it is judged
 * against. Here one process takes turns of one window each — the ceiling, maas, raw ONNX Runtime,
 * DJL, in an order that rotates every round — so that each round sees the same machine, and the
 * answer is the median over rounds of each round's ratios. A cross-check printed beside JMH's
 * figures, not a replacement.
 *
 * <p>The systems are the JMH benchmarks': the ceiling is one thread running pre-formed batches of
 * {@code callers} rows on a raw session with 2 intra-op threads ({@link
 * CeilingBenchmark#rawPreformedBatch}); maas, raw and DJL are called by the same {@code callers}
 * closed-loop threads, one row per call (maas with {@link Policies#batched()} and the given max
 * queue delay, 2 intra-op threads; raw one shared session and DJL a {@code Predictor} per thread, 1
 * intra-op thread each, as in {@link ConcurrencyBenchmark}). The callers are platform threads, as
 * JMH's {@code -t N} makes them, or virtual threads (Java 21 or later; see {@link
 * VirtualCallersBenchmark}). Each window is measured after a settling time, and the callers finish
 * their calls and wait before the next window opens. One round of warm-up is not counted.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.PairedConcurrency mlp 64 platform 10 1000 0 \
 *     target/paired-concurrency-platform.json
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -cp benchmarks/target/benchmarks.jar \
 *     dev.maas.benchmarks.PairedConcurrency mlp 64 virtual 10 1000 300
 * }</pre>
 *
 * Arguments: model ({@code mlp}), callers (64), {@code platform} or {@code virtual} callers, rounds
 * (10), window in ms (1000), maas's max queue delay in µs (0), JSON output file (optional).
 */
public final class PairedConcurrency {
  private static final Duration SETTLE = Duration.ofMillis(200);
  private static final List<String> SYSTEMS = List.of("ceiling", "maas", "raw", "djl");

  private PairedConcurrency() {}

  /** A turn of the callers at one system; {@code rows} counts its answers. */
  private record Window(Subject subject, LongAdder rows) {}

  /** The caller threads and the window they are in. */
  private static final class Callers {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Window window; // written under lock; null between windows
    private boolean stopped; // guarded by lock
    private int busy; // callers inside a window; guarded by lock

    void loop(Feed feed) {
      Window last = null;
      try {
        for (;;) {
          Window w;
          lock.lock();
          try {
            while (!stopped && (window == null || window == last)) {
              changed.awaitUninterruptibly();
            }
            if (stopped) {
              return;
            }
            w = window;
            busy++;
          } finally {
            lock.unlock();
          }
          try {
            while (window == w) {
              if (w.subject().call(feed).length == 0) {
                throw new IllegalStateException("empty answer");
              }
              w.rows().increment();
            }
          } finally {
            lock.lock();
            try {
              busy--;
              changed.signalAll();
            } finally {
              lock.unlock();
            }
          }
          last = w;
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }

    /** Opens a window: every caller starts calling its subject. */
    void open(Window w) {
      lock.lock();
      try {
        window = w;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Closes the window and waits until every caller has finished its call. */
    void close() {
      lock.lock();
      try {
        window = null;
        while (busy > 0) {
          changed.awaitUninterruptibly();
        }
      } finally {
        lock.unlock();
      }
      Throwable t = failure.get();
      if (t != null) {
        throw new IllegalStateException("a caller failed", t);
      }
    }

    void stop() {
      lock.lock();
      try {
        stopped = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Runs the rounds and prints one line per system and one for the ratios; writes JSON if a file is
   * given.
   *
   * @param args model, callers, platform|virtual, rounds, window ms, max queue delay µs, optional
   *     output file
   * @throws Exception if a system fails or the output cannot be written
   */
  public static void main(String[] args) throws Exception {
    BenchModel model = BenchModel.of(args.length > 0 ? args[0] : "mlp");
    int callers = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    String kind = args.length > 2 ? args[2] : "platform";
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    Duration window = Duration.ofMillis(args.length > 4 ? Long.parseLong(args[4]) : 1000);
    long delayMicros = args.length > 5 ? Long.parseLong(args[5]) : 0;
    if (rounds < 1 || callers < 1) {
      throw new IllegalArgumentException("rounds and callers must be at least 1, got " + rounds + " and " + callers);
    }
    ExecutorService threads = switch (kind) {
      case "platform" -> Executors.newFixedThreadPool(callers);
      case "virtual" -> VirtualCallersBenchmark.virtualThreadPerTaskExecutor();
      default -> throw new IllegalArgumentException("callers must be platform or virtual, got " + kind);
    };
    Feed one = model.feed(1, 7);
    Feed batch = model.feed(callers, 7);
    Map<String, double[]> rowsPerSecond = new LinkedHashMap<>();
    SYSTEMS.forEach(s -> rowsPerSecond.put(s, new double[rounds]));
    Callers c = new Callers();
    // DJL first: its engine creates ONNX Runtime's environment with options of its own, which fails
    // once another subject has created it.
    try (Subject djl = new DjlSubject(model, new OrtSettings(1));
        Subject ceiling = new RawOrtSubject(model, new OrtSettings(2));
        Subject maas = new MaasSubject(model, new OrtSettings(2),
            Policies.batched(delayMicros));
        Subject raw = new RawOrtSubject(model, new OrtSettings(1))) {
      Map<String, Subject> subjects = Map.of("maas", maas, "raw", raw, "djl", djl);
      for (int i = 0; i < callers; i++) {
        threads.execute(() -> c.loop(one));
      }
      for (int r = -1; r < rounds; r++) { // round -1 warms up and is not counted
        for (int k = 0; k < SYSTEMS.size(); k++) {
          String s = SYSTEMS.get(Math.floorMod(r + k, SYSTEMS.size()));
          double v = s.equals("ceiling") ? ceilingWindow(ceiling, batch, callers, window) : window(c, subjects.get(s), window);
          if (r >= 0) {
            rowsPerSecond.get(s)[r] = v;
          }
        }
      }
    } finally {
      c.stop();
      threads.shutdown();
      threads.awaitTermination(60, TimeUnit.SECONDS);
    }
    for (int r = 0; r < rounds; r++) {
      StringBuilder line = new StringBuilder("  round " + r + ":");
      for (int k = 0; k < SYSTEMS.size(); k++) {
        String s = SYSTEMS.get(Math.floorMod(r + k, SYSTEMS.size()));
        line.append(String.format(Locale.ROOT, " %s %.0f", s, rowsPerSecond.get(s)[r]));
      }
      System.out.println(line);
    }
    Map<String, double[]> ratios = new LinkedHashMap<>();
    for (String other : List.of("ceiling", "raw", "djl")) {
      double[] q = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        q[r] = rowsPerSecond.get("maas")[r] / rowsPerSecond.get(other)[r];
      }
      ratios.put(other, q);
    }
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("model", model.id());
    o.put("callers", callers);
    o.put("threads", kind);
    o.put("java", System.getProperty("java.version"));
    o.put("rounds", rounds);
    o.put("windowMillis", window.toMillis());
    o.put("maxQueueDelayMicros", delayMicros);
    System.out.printf(Locale.ROOT, "paired concurrency %s, %d %s callers, %d rounds of %d ms windows, Java %s:%n",
        model.id(), callers, kind, rounds, window.toMillis(), System.getProperty("java.version"));
    for (Map.Entry<String, double[]> e : rowsPerSecond.entrySet()) {
      double[] v = e.getValue().clone();
      Arrays.sort(v);
      System.out.printf(Locale.ROOT, "  %-7s rows/s median %.0f (min %.0f, max %.0f)%n", e.getKey(), Stats.median(v), v[0],
          v[rounds - 1]);
      o.put(e.getKey() + "RowsPerSecond", Stats.median(v));
    }
    for (Map.Entry<String, double[]> e : ratios.entrySet()) {
      double[] q = e.getValue();
      Arrays.sort(q);
      System.out.printf(Locale.ROOT, "  maas / %-7s per round: median %.3f, quartiles %.3f..%.3f%n", e.getKey(),
          Stats.median(q), q[rounds / 4], q[3 * rounds / 4]);
      o.put("vs_" + e.getKey(), Stats.median(q));
      o.put("vs_" + e.getKey() + "P25", q[rounds / 4]);
      o.put("vs_" + e.getKey() + "P75", q[3 * rounds / 4]);
    }
    if (args.length > 6) {
      Path out = Path.of(args[6]);
      Files.createDirectories(out.toAbsolutePath().getParent());
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), o);
    }
  }

  /** One window of the callers at {@code subject}; rows per second after the settling time. */
  private static double window(Callers c, Subject subject, Duration length) throws InterruptedException {
    Window w = new Window(subject, new LongAdder());
    c.open(w);
    try {
      Thread.sleep(SETTLE.toMillis());
      long n0 = w.rows().sum();
      long t0 = System.nanoTime();
      Thread.sleep(length.toMillis());
      long n1 = w.rows().sum();
      long t1 = System.nanoTime();
      return (n1 - n0) * 1e9 / (t1 - t0);
    } finally {
      c.close();
    }
  }

  /** One window of pre-formed batches on this thread; rows per second after the settling time. */
  private static double ceilingWindow(Subject ceiling, Feed batch, int rows, Duration length) {
    long settleEnd = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() - settleEnd < 0) {
      ceiling.call(batch);
    }
    long t0 = System.nanoTime();
    long end = t0 + length.toNanos();
    long batches = 0;
    long t;
    do {
      if (ceiling.call(batch).length == 0) {
        throw new IllegalStateException("empty answer");
      }
      batches++;
      t = System.nanoTime();
    } while (t - end < 0);
    return batches * rows * 1e9 / (t - t0);
  }
}
