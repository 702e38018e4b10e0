package dev.maas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a test: the real model, every step, no failed call. */
class SemanticSearchDemoTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void theMainExampleRunsWithoutAFailedCallAndFindsTheRightSentences() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    long failed = SemanticSearchDemo.run(tmp.resolve("store"), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    assertEquals(0, failed, out);
    assertTrue(out.contains("deployed minilm:1 (fp32"), out);
    assertTrue(out.contains("embedded 36 sentences with a bulk job on minilm:1"), out);
    // the embeddings must make sense: these queries have one obvious answer each
    assertTrue(out.contains("Where is the cat resting?          -> The cat sleeps on the warm windowsill.")
        || out.contains("Where is the cat resting?          -> A kitten is napping in the sun."), out);
    assertTrue(out.contains("What happened to stock prices?     -> Shares dropped after the earnings report.")
        || out.contains("What happened to stock prices?     -> The stock market fell sharply today."), out);
    assertTrue(out.contains("moved prod -> minilm:2 under load"), out);
    assertTrue(out.contains("rolled prod back -> minilm:1"), out);
    assertTrue(out.contains(", 0 failed"), out);
    java.util.regex.Matcher canary = java.util.regex.Pattern.compile("(\\d+) by minilm:2 \\(canary\\)").matcher(out);
    assertTrue(canary.find() && Long.parseLong(canary.group(1)) > 0, "the canary served some queries: " + out);
  }
}
