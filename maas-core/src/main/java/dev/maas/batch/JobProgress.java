package dev.maas.batch;

import java.util.OptionalLong;

/**
 * How far a bulk job has come.
 *
 * @param delivered items delivered so far (succeeded plus failed), always a prefix of the inputs
 * @param failed items among them that failed
 * @param total the number of inputs, when known (a sized collection, or once the inputs ran out)
 */
public record JobProgress(long delivered, long failed, OptionalLong total) {
  /** Items delivered that succeeded. */
  public long succeeded() {
    return delivered - failed;
  }
}
