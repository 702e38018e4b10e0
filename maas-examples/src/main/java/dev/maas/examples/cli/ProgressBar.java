package dev.maas.examples.cli;

import dev.maas.storage.s3.TransferListener;
import dev.maas.storage.s3.TransferProgress;
import java.io.PrintWriter;

/**
 * Shows long S3 transfers on stderr: a bar redrawn in place on a terminal, a plain line every few
 * seconds otherwise (logs, CI). Fast and never throws, as a transfer listener must be.
 */
final class ProgressBar implements TransferListener {
  private final PrintWriter err;
  private final boolean terminal;
  private volatile long lastPrint;

  ProgressBar(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public void bytesTransferred(TransferProgress p) {
    long now = System.nanoTime();
    long every = terminal ? 200_000_000L : 5_000_000_000L;
    if (now - lastPrint < every) {
      return;
    }
    lastPrint = now;
    print(p, false);
  }

  @Override
  public void transferCompleted(TransferProgress p) {
    print(p, true);
  }

  private synchronized void print(TransferProgress p, boolean done) {
    double f = Math.max(0, Math.min(1, p.fraction()));
    String line = String.format("%s %s %.0f%% of %.1f MB at %.1f MB/s", done ? "done" : "    ",
        p.direction().toString().toLowerCase(java.util.Locale.ROOT) + " " + p.key(),
        f * 100, p.bytesTotal() / 1e6, p.bytesPerSecond() / 1e6);
    if (terminal) {
      int bar = (int) (f * 30);
      err.print("\r[" + "#".repeat(bar) + " ".repeat(30 - bar) + "] " + line + (done ? "\n" : ""));
    } else {
      err.println(line);
    }
    err.flush();
  }
}
