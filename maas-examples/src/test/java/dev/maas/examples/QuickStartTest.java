package dev.maas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.examples.cli.MaasCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a test. */
class QuickStartTest {
  @TempDir Path tmp;

  @Test
  void theMainExampleRunsAndTeaches() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Path store = tmp.resolve("store");
    int served = QuickStart.run(store, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(2003, served);
    assertTrue(out.contains("deployed mlp:1 and mlp:2"), out);
    assertTrue(out.contains("predict mlp:1     -> served by mlp:1"), out);
    assertTrue(out.contains("predict mlp@prod  -> served by mlp:1"), out);
    assertTrue(out.contains("predict mlp       -> served by mlp:2"), out);
    assertTrue(out.contains("2000 served by mlp:1"), out);
    assertTrue(out.contains("rejected as expected: input 'x' dimension 1 must be 4"), out);
    assertTrue(Files.isDirectory(store.resolve("models/mlp/versions")));
  }

  @Test
  void demoCommandRejectsNonLocalStores() {
    StringWriter err = new StringWriter();
    int code = MaasCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
        "demo", "--store", "s3://bucket/x");
    assertEquals(1, code);
    assertTrue(err.toString().contains("demo needs a local store"), err.toString());
  }
}
