package dev.maas.batch;

import dev.maas.InferenceResult;
import dev.maas.MaasException;
import java.util.Objects;

/**
 * The outcome of one input of a bulk job: its result, or why it failed.
 *
 * @param index the input's position in the job, from 0
 * @param result the result, or null if the item failed
 * @param error why the item failed, or null if it succeeded
 */
public record JobItem(long index, InferenceResult result, MaasException error) {
  /** Validates that exactly one of result and error is set. */
  public JobItem {
    if ((result == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of result and error must be set");
    }
  }

  /** Whether the item succeeded. */
  public boolean ok() {
    return result != null;
  }

  /** The result, or the item's error thrown. */
  public InferenceResult resultOrThrow() {
    if (error != null) {
      throw error;
    }
    return Objects.requireNonNull(result);
  }
}
