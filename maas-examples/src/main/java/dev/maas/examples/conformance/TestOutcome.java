package dev.maas.examples.conformance;

/**
 * The result of one conformance test.
 *
 * @param name the test's folder, relative to the directory searched
 * @param status PASS, FAIL (wrong answer) or ERROR (could not run)
 * @param reason why it did not pass; empty for PASS
 * @param millis how long the test took
 */
public record TestOutcome(String name, Status status, String reason, long millis) {
  /** The three outcomes. */
  public enum Status {
    /** Every data set matched the expected outputs. */
    PASS,
    /** A data set produced a wrong output (dtype, shape or values). */
    FAIL,
    /** The test could not run: the model does not load, an input cannot be created, ... */
    ERROR
  }

  /** The line printed for this test: {@code PASS name}, {@code FAIL name: why}, {@code ERROR name: why}. */
  public String line() {
    return status == Status.PASS ? "PASS " + name : status + " " + name + ": " + reason;
  }
}
