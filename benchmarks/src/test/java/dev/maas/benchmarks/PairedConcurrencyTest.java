package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link PairedConcurrency} end to end on a short run, and the virtual-thread executor it shares. */
class PairedConcurrencyTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everySystemAnswersInEveryRoundAndTheRatiosComeFromThem() throws Exception {
    Path out = dir.resolve("paired.json");
    PairedConcurrency.main(new String[] {"identity", "4", "platform", "2", "100", "0", out.toString()});
    JsonNode o = new ObjectMapper().readTree(out.toFile());
    assertEquals(4, o.path("callers").asInt());
    assertEquals("platform", o.path("threads").asText());
    for (String s : new String[] {"ceiling", "maas", "raw", "djl"}) {
      assertTrue(o.path(s + "RowsPerSecond").asDouble() > 0, s + " answered no row: " + o);
    }
    for (String s : new String[] {"ceiling", "raw", "djl"}) {
      double r = o.path("vs_" + s).asDouble();
      assertTrue(r > 0 && Double.isFinite(r), "vs_" + s + " = " + r);
      assertTrue(o.path("vs_" + s + "P25").asDouble() <= r && r <= o.path("vs_" + s + "P75").asDouble(), o.toString());
    }
  }

  @Test
  void unknownCallerKindIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PairedConcurrency.main(new String[] {"identity", "4", "green", "1", "100", "0"}));
    assertTrue(e.getMessage().contains("platform or virtual"), e.getMessage());
  }

  @Test
  void virtualThreadsRunOnJava21AndAreRefusedClearlyBefore() throws Exception {
    if (Runtime.version().feature() < 21) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          VirtualCallersBenchmark::virtualThreadPerTaskExecutor);
      assertTrue(e.getMessage().contains("Java 21 or later"), e.getMessage());
      return;
    }
    ExecutorService ex = VirtualCallersBenchmark.virtualThreadPerTaskExecutor();
    try {
      Future<Object> virtual = ex.submit(() -> Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()));
      assertEquals(Boolean.TRUE, virtual.get(10, TimeUnit.SECONDS));
    } finally {
      ex.shutdown();
    }
  }
}
