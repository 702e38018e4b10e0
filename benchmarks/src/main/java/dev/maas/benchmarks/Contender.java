package dev.maas.benchmarks;

/**
 * The systems compared at N concurrent callers, each with the JMH benchmark that measures it; the
 * report's columns and the charts' series, in this order.
 */
enum Contender {
  /** maas with dynamic batching, N caller threads. */
  MAAS("maas, batched", "ConcurrencyBenchmark.maasBatched"),
  /** ONNX Runtime called directly, one row per call, from the same N threads. */
  RAW("raw ORT, one row at a time", "ConcurrencyBenchmark.rawOneAtATime"),
  /** ONNX Runtime running pre-formed batches of N rows from one thread: the ceiling. */
  CEILING("raw ORT, pre-formed batch (ceiling)", "CeilingBenchmark.rawPreformedBatch"),
  /** DJL's ONNX Runtime engine, one row per call, a predictor per caller thread. */
  DJL("DJL, predictor per thread", "ConcurrencyBenchmark.djlOneAtATime");

  private final String label;
  private final String benchmark;

  Contender(String label, String benchmark) {
    this.label = label;
    this.benchmark = benchmark;
  }

  /** How charts and tables name it. */
  String label() {
    return label;
  }

  /** The JMH benchmark, as {@code Class.method}. */
  String benchmark() {
    return benchmark;
  }

  /** Whether one JMH op is a pre-formed batch of N rows on one thread, rather than one row on each of N threads. */
  boolean preformed() {
    return this == CEILING;
  }
}
