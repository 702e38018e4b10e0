package dev.maas.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 200 MB blob round trip: multipart upload with parallel parts, a streamed download with parallel
 * ranged GETs, and a fill of the local cache, all in a child JVM whose heap ({@value #HEAP_MIB} MiB)
 * is smaller than the blob, so memory is shown to stay bounded.
 */
class LargeBlobTest {
  private static final int SIZE_MIB = 200;
  private static final int HEAP_MIB = 128;

  @TempDir Path temp;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void a200MegabyteBlobRoundTripsInBoundedMemory() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = temp.resolve("out.txt");
    Process child = new ProcessBuilder(java, "-Xmx" + HEAP_MIB + "m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), LargeBlobChild.class.getName(),
            temp.toString(), Integer.toString(SIZE_MIB))
        .redirectErrorStream(true)
        .redirectOutput(out.toFile())
        .start();
    try {
      assertTrue(child.waitFor(140, TimeUnit.SECONDS), "the round trip finished within 140 s");
      String output = Files.readString(out);
      assertEquals(0, child.exitValue(), output);
      List<String> lines = output.lines().toList();
      assertEquals("ok", lines.get(lines.size() - 1), output);
      Map<String, String> measured = lines.stream().filter(l -> l.matches("[a-z]+ \\d+"))
          .collect(Collectors.toMap(l -> l.split(" ")[0], l -> l.split(" ")[1]));
      System.out.println("200 MB round trip (ms, heap MiB): " + measured);
    } finally {
      child.destroyForcibly();
    }
  }
}
