package dev.maas.version;

import dev.maas.batch.LatencySummary;

/**
 * How a shadow version compares with the version that answered, over every call sent to both.
 *
 * @param shadow the shadow version
 * @param compared calls whose shadow result was compared
 * @param agreed of those, calls whose every output matched (floats within relative 1e-3 and
 *     absolute 1e-5, other types exactly)
 * @param failed shadow calls that failed (their errors never reach the caller)
 * @param latency the shadow calls' latency
 */
public record ShadowStats(ModelVersion shadow, long compared, long agreed, long failed, LatencySummary latency) {
  /** The share of compared calls that agreed, 0 if none were compared. */
  public double agreement() {
    return compared == 0 ? 0 : (double) agreed / compared;
  }
}
