package dev.maas.benchmarks;

/**
 * A system under test: runs one call and hands back the output as a Java array. Every call
 * converts the {@link Feed}'s Java arrays into the system's own tensors, runs the model, and copies
 * the output into a fresh {@code float[]} — the work any caller of any of these systems has to do,
 * so that the comparison is like with like. Implementations are thread-safe unless they say
 * otherwise; {@link #close()} frees what the subject created.
 *
 * <p>Implementations: {@link MaasSubject}, {@link RawOrtSubject}, {@link DjlSubject}.
 */
public interface Subject extends AutoCloseable {

  /**
   * Runs one call.
   *
   * @param feed the inputs, as Java arrays
   * @return a copy of {@code feed.output()}, flattened row-major
   */
  float[] call(Feed feed);

  @Override
  void close();
}
