package dev.maas.storage.s3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PartBuffersTest {
  @Test
  void aBufferGivenBackIsTheNextOneTaken() {
    PartBuffers buffers = new PartBuffers(16, 2);
    byte[] first = buffers.take();
    assertEquals(16, first.length);
    buffers.giveBack(first);
    assertSame(first, buffers.take());
    assertNotSame(first, buffers.take(), "none kept: a new one");
  }

  @Test
  void aBufferOfAnotherLengthIsAlwaysNew() {
    PartBuffers buffers = new PartBuffers(16, 2);
    byte[] kept = buffers.take(16);
    buffers.giveBack(kept);
    byte[] other = buffers.take(8);
    assertEquals(8, other.length);
    assertSame(kept, buffers.take(16), "the kept one stays for its own size");
  }

  @Test
  void atMostMaxAreKeptAndOtherSizesNever() {
    PartBuffers buffers = new PartBuffers(16, 2);
    byte[] a = buffers.take();
    byte[] b = buffers.take();
    byte[] c = buffers.take();
    buffers.giveBack(a);
    buffers.giveBack(b);
    buffers.giveBack(c);             // over the bound: dropped
    buffers.giveBack(new byte[8]);   // another size: dropped
    Set<byte[]> taken = Collections.newSetFromMap(new IdentityHashMap<>());
    taken.add(buffers.take());
    taken.add(buffers.take());
    byte[] third = buffers.take();
    assertFalse(taken.contains(c), "c was not kept");
    assertTrue(taken.contains(a) && taken.contains(b));
    assertTrue(third != a && third != b && third != c && third.length == 16);
    assertThrows(IllegalArgumentException.class, () -> new PartBuffers(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new PartBuffers(16, 0));
  }

  /** Many threads taking and giving back: no buffer is ever held by two at once. */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void concurrentTakersNeverShareABuffer() throws Exception {
    PartBuffers buffers = new PartBuffers(8, 4);
    Set<byte[]> held = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        runs.add(pool.submit(() -> {
          for (int i = 0; i < 20_000; i++) {
            byte[] b = buffers.take();
            if (!held.add(b)) {
              throw new AssertionError("a buffer handed out twice");
            }
            held.remove(b);
            buffers.giveBack(b);
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
