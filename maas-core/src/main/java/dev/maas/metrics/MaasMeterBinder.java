package dev.maas.metrics;

import dev.maas.ModelService;
import dev.maas.batch.LatencySummary;
import dev.maas.batch.SchedulerStats;
import dev.maas.version.ModelVersion;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the schedulers' statistics ({@link ModelService#stats()}) to Micrometer, one series per
 * loaded version, tagged {@code model} and {@code version}:
 * <ul>
 *   <li>{@code maas.queue.depth}, {@code maas.batches.running}: gauges;
 *   <li>{@code maas.requests}: cumulative counts tagged {@code outcome} = completed, rejected,
 *       expired, failed or cancelled;
 *   <li>{@code maas.batch.size.mean}: mean rows per batch;
 *   <li>{@code maas.queue.wait} and {@code maas.run.time}: milliseconds, tagged {@code quantile} =
 *       0.5, 0.9, 0.99 or max;
 *   <li>{@code maas.versions.loaded}: how many versions are loaded.
 * </ul>
 *
 * <pre>{@code
 * new MaasMeterBinder(maas).bindTo(registry);
 * }</pre>
 *
 * <p>Micrometer is an optional dependency of maas-core: only this class needs it. Versions loaded
 * or retired after binding are picked up when the registry next reads {@code maas.versions.loaded}
 * (every scrape), or on {@link #refresh()}. Statistics are read at most once per scrape. Thread-safe.
 */
public final class MaasMeterBinder implements MeterBinder {
  private final ModelService service;
  private final List<MultiGauge> gauges = new ArrayList<>();
  private final List<ToDoubleFunction<SchedulerStats>> functions = new ArrayList<>();
  private volatile Map<ModelVersion, SchedulerStats> snapshot = Map.of();
  private volatile long snapshotAt;

  /** Publishes the statistics of {@code service}, which the binder does not close. */
  public MaasMeterBinder(ModelService service) {
    this.service = Objects.requireNonNull(service, "service");
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    register(registry, "maas.queue.depth", "requests waiting", SchedulerStats::queueDepth, Tags.empty());
    register(registry, "maas.batches.running", "batches running", SchedulerStats::running, Tags.empty());
    register(registry, "maas.requests", "requests by outcome", SchedulerStats::completed, Tags.of("outcome", "completed"));
    register(registry, "maas.requests", "requests by outcome", SchedulerStats::rejected, Tags.of("outcome", "rejected"));
    register(registry, "maas.requests", "requests by outcome", SchedulerStats::expired, Tags.of("outcome", "expired"));
    register(registry, "maas.requests", "requests by outcome", SchedulerStats::failed, Tags.of("outcome", "failed"));
    register(registry, "maas.requests", "requests by outcome", SchedulerStats::cancelled, Tags.of("outcome", "cancelled"));
    register(registry, "maas.batch.size.mean", "mean rows per batch", SchedulerStats::meanBatchSize, Tags.empty());
    latency(registry, "maas.queue.wait", SchedulerStats::queueWait);
    latency(registry, "maas.run.time", SchedulerStats::runTime);
    Gauge.builder("maas.versions.loaded", this, b -> b.refresh())
        .description("model versions loaded (reading it refreshes the per-version series)")
        .strongReference(true)
        .register(registry);
    refresh();
  }

  private void latency(MeterRegistry registry, String name, java.util.function.Function<SchedulerStats, LatencySummary> f) {
    register(registry, name, "milliseconds", s -> f.apply(s).p50(), Tags.of("quantile", "0.5"));
    register(registry, name, "milliseconds", s -> f.apply(s).p90(), Tags.of("quantile", "0.9"));
    register(registry, name, "milliseconds", s -> f.apply(s).p99(), Tags.of("quantile", "0.99"));
    register(registry, name, "milliseconds", s -> f.apply(s).max(), Tags.of("quantile", "max"));
  }

  private void register(MeterRegistry registry, String name, String description, ToDoubleFunction<SchedulerStats> f,
      Tags extra) {
    MultiGauge g = MultiGauge.builder(name).description(description).tags(extra).register(registry);
    gauges.add(g);
    functions.add(f);
  }

  /**
   * Re-reads which versions are loaded and updates the per-version series.
   *
   * @return the number of loaded versions
   */
  public synchronized double refresh() {
    Map<ModelVersion, SchedulerStats> now = read();
    for (int i = 0; i < gauges.size(); i++) {
      MultiGauge g = gauges.get(i);
      ToDoubleFunction<SchedulerStats> f = functions.get(i);
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      for (ModelVersion v : now.keySet()) {
        ToDoubleFunction<SchedulerStats> fn = f;
        // A supplier row holds the binder strongly; the object-and-function form would hold it weakly.
        rows.add(MultiGauge.Row.of(Tags.of("model", v.model(), "version", Long.toString(v.version())),
            () -> {
              SchedulerStats st = latest().get(v);
              return st == null ? Double.NaN : fn.applyAsDouble(st);
            }));
      }
      g.register(rows, true);
    }
    return now.size();
  }

  private Map<ModelVersion, SchedulerStats> latest() {
    if (System.nanoTime() - snapshotAt > 500_000_000L) {
      read();
    }
    return snapshot;
  }

  private Map<ModelVersion, SchedulerStats> read() {
    Map<ModelVersion, SchedulerStats> m = new HashMap<>();
    for (SchedulerStats s : service.stats()) {
      m.put(s.version(), s);
    }
    snapshot = m;
    snapshotAt = System.nanoTime();
    return m;
  }
}
