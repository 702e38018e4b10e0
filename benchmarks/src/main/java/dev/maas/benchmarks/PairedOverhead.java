package dev.maas.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * <b>The overhead question of {@link OverheadBenchmark}, asked so that a shared machine cannot
 * bias the answer.</b> JMH measures maas and then raw ONNX Runtime, tens of seconds apart; when other
 * processes come and go on the cores meanwhile, the ratio moves by more than the 5% it is judged
 * against. Here one thread alternates short blocks of calls — maas, raw, raw, maas, ... — so that
 * each pair of blocks sees the same machine, and the answer is the median of the per-pair ratios.
 * Same subjects, settings and work per call as {@code OverheadBenchmark} (batching off, 1 intra-op
 * thread); JIT warm-up first. A cross-check printed beside JMH's figure, not a replacement.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.PairedOverhead mlp 500 200 target/paired-overhead-mlp.json
 * }</pre>
 *
 * Arguments: model ({@code mlp}), calls per block (500), pairs (200), JSON output file (optional).
 */
public final class PairedOverhead {
  private PairedOverhead() {}

  /**
   * Runs the comparison and prints one line; writes JSON if a file is given.
   *
   * @param args model, calls per block, pairs, optional output file
   * @throws IOException if the output cannot be written
   */
  public static void main(String[] args) throws IOException {
    BenchModel model = BenchModel.of(args.length > 0 ? args[0] : "mlp");
    int block = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    OrtSettings settings = new OrtSettings(1);
    Feed feed = model.feed(1, 7);
    double[] maas = new double[pairs];
    double[] raw = new double[pairs];
    double[] ratio = new double[pairs];
    long sink = 0;
    try (Subject m = new MaasSubject(model, settings, Policies.off()); Subject r = new RawOrtSubject(model, settings)) {
      for (int i = 0; i < 20 * block; i++) { // warm-up: both paths compiled before anything counts
        sink += m.call(feed).length + r.call(feed).length;
      }
      for (int p = 0; p < pairs; p++) {
        boolean maasFirst = (p & 1) == 0; // alternate the order: neither side always runs on a warmer cache
        Subject first = maasFirst ? m : r;
        Subject second = maasFirst ? r : m;
        long t0 = System.nanoTime();
        for (int i = 0; i < block; i++) {
          sink += first.call(feed).length;
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < block; i++) {
          sink += second.call(feed).length;
        }
        long t2 = System.nanoTime();
        double a = (t1 - t0) / 1e3 / block;
        double b = (t2 - t1) / 1e3 / block;
        maas[p] = maasFirst ? a : b;
        raw[p] = maasFirst ? b : a;
        ratio[p] = maas[p] / raw[p];
      }
    }
    Arrays.sort(maas);
    Arrays.sort(raw);
    Arrays.sort(ratio);
    double median = ratio[pairs / 2];
    System.out.printf(java.util.Locale.ROOT,
        "paired overhead %s: maas %.2f µs/call, raw %.2f µs/call (medians of %d blocks of %d calls); "
            + "maas / raw per pair: median %.4f, quartiles %.4f..%.4f%n",
        model.id(), maas[pairs / 2], raw[pairs / 2], pairs, block, median, ratio[pairs / 4], ratio[3 * pairs / 4]);
    if (args.length > 3) {
      ObjectNode o = new ObjectMapper().createObjectNode();
      o.put("model", model.id());
      o.put("block", block);
      o.put("pairs", pairs);
      o.put("maasMicros", maas[pairs / 2]);
      o.put("rawMicros", raw[pairs / 2]);
      o.put("ratioMedian", median);
      o.put("ratioP25", ratio[pairs / 4]);
      o.put("ratioP75", ratio[3 * pairs / 4]);
      o.put("sink", sink);
      Path out = Path.of(args[3]);
      Files.createDirectories(out.toAbsolutePath().getParent());
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), o);
    }
  }
}
