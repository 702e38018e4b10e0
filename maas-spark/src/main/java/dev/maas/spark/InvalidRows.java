package dev.maas.spark;

import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.util.LongAccumulator;

/**
 * What to do with a row whose values do not fit the model's signature: a null in a mapped column,
 * or an array or vector of the wrong length.
 *
 * <ul>
 *   <li>{@link #fail()} (the default): the task fails with an {@link dev.maas.InvalidInputException}
 *       naming the column, the model input and the row's shape, and so does the job;
 *   <li>{@link #nullAndCount(LongAccumulator)}: the row is kept, its output columns are null, and
 *       the accumulator is incremented. The row never reaches the model, so it cannot fail the
 *       rows batched with it.
 * </ul>
 *
 * <p>A column whose <i>type</i> cannot feed the model (strings, a float column for an integer
 * input) is refused when the job is planned, whatever this says. Immutable and serializable.
 */
public final class InvalidRows implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final InvalidRows FAIL = new InvalidRows(null);

  private final LongAccumulator rejected;

  private InvalidRows(LongAccumulator rejected) {
    this.rejected = rejected;
  }

  /** Fails the job on the first row that does not fit. */
  public static InvalidRows fail() {
    return FAIL;
  }

  /**
   * Yields nulls for rows that do not fit, counting them in {@code rejected}, which the caller
   * registers (e.g. {@code spark.sparkContext().longAccumulator("rejected rows")}) and reads after
   * an action. Like every accumulator updated in a transformation, it counts again when Spark
   * re-runs a task (a retry, or a second action on an uncached result).
   *
   * @param rejected a registered accumulator
   * @return the policy
   */
  public static InvalidRows nullAndCount(LongAccumulator rejected) {
    return new InvalidRows(Objects.requireNonNull(rejected, "rejected"));
  }

  /** Whether a row that does not fit fails the job. */
  public boolean failsJob() {
    return rejected == null;
  }

  /** The accumulator counting rejected rows, when rows are nulled rather than failing the job. */
  public Optional<LongAccumulator> counter() {
    return Optional.ofNullable(rejected);
  }

  @Override
  public String toString() {
    return rejected == null ? "fail" : "nullAndCount(" + rejected.name().getOrElse(() -> "unnamed") + ")";
  }
}
