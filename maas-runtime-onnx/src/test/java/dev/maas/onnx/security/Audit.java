package dev.maas.onnx.security;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what the tests' SLF4J binding (slf4j-simple, which writes to the current {@code
 * System.err}) logs while an action runs: the audit lines of the {@code dev.maas.audit} logger among it.
 */
final class Audit {
  private Audit() {}

  /** Something to run that may throw. */
  interface Action {
    void run() throws Exception;
  }

  /** Runs {@code action} and returns the audit lines logged meanwhile; what it throws is rethrown. */
  static synchronized String capture(Action action) throws Exception {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(old);
    }
    StringBuilder audit = new StringBuilder();
    for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.contains("dev.maas.audit")) {
        audit.append(line).append('\n');
      }
    }
    return audit.toString();
  }
}
