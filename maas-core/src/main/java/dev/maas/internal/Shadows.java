package dev.maas.internal;

import dev.maas.DType;
import dev.maas.InferenceResult;
import dev.maas.Tensor;
import dev.maas.batch.LatencySummary;
import dev.maas.version.ModelVersion;
import dev.maas.version.ShadowStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/** Agreement and latency of shadow versions, per shadow version. */
final class Shadows {
  private static final class Tally {
    final LongAdder compared = new LongAdder();
    final LongAdder agreed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final Recorder latency = new Recorder(3);
    final org.HdrHistogram.Histogram total = new org.HdrHistogram.Histogram(3);
  }

  private final Map<ModelVersion, Tally> tallies = new ConcurrentHashMap<>();

  void compared(ModelVersion shadow, InferenceResult primary, InferenceResult copy, long nanos) {
    Tally t = tallies.computeIfAbsent(shadow, k -> new Tally());
    t.compared.increment();
    if (agree(primary.outputs(), copy.outputs())) {
      t.agreed.increment();
    }
    t.latency.recordValue(Math.max(0, nanos));
  }

  void failed(ModelVersion shadow) {
    tallies.computeIfAbsent(shadow, k -> new Tally()).failed.increment();
  }

  List<ShadowStats> stats() {
    List<ShadowStats> out = new ArrayList<>();
    tallies.forEach((v, t) -> {
      LatencySummary l;
      synchronized (t) {
        t.total.add(t.latency.getIntervalHistogram());
        l = t.total.getTotalCount() == 0 ? LatencySummary.EMPTY
            : new LatencySummary(t.total.getTotalCount(), t.total.getValueAtPercentile(50) / 1e6,
                t.total.getValueAtPercentile(90) / 1e6, t.total.getValueAtPercentile(99) / 1e6,
                t.total.getMaxValue() / 1e6, t.total.getMean() / 1e6);
      }
      out.add(new ShadowStats(v, t.compared.sum(), t.agreed.sum(), t.failed.sum(), l));
    });
    out.sort((a, b) -> a.shadow().toString().compareTo(b.shadow().toString()));
    return out;
  }

  static boolean agree(Map<String, Tensor> a, Map<String, Tensor> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, Tensor> e : a.entrySet()) {
      Tensor x = e.getValue();
      Tensor y = b.get(e.getKey());
      if (x.dtype() != y.dtype() || !Arrays.equals(x.shape(), y.shape())) {
        return false;
      }
      if (x.dtype() == DType.STRING || !isFloat(x.dtype())) {
        if (!x.equals(y)) {
          return false;
        }
        continue;
      }
      double[] p = x.toDoubles();
      double[] q = y.toDoubles();
      for (int i = 0; i < p.length; i++) {
        boolean nan = Double.isNaN(p[i]) && Double.isNaN(q[i]);
        if (!nan && !(Math.abs(p[i] - q[i]) <= 1e-5 + 1e-3 * Math.abs(p[i]))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isFloat(DType t) {
    return t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.FLOAT16 || t == DType.BFLOAT16;
  }
}
