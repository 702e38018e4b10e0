package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpuTimeProfilerTest {
  @Test
  void kernelTimeGrowsWithSystemCallsAndUserTimeWithArithmetic() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs Linux /proc/self/stat");
    long[] start = CpuTimeProfiler.userAndKernelTicks();
    assertNotNull(start);
    // sched_yield is a system call: about all of this loop's time is the kernel's.
    long end = System.nanoTime() + 400_000_000L;
    while (System.nanoTime() < end) {
      Thread.yield();
    }
    long[] afterYield = CpuTimeProfiler.userAndKernelTicks();
    // Arithmetic only: user time.
    long x = 1;
    end = System.nanoTime() + 400_000_000L;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 10_000; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
    }
    long[] afterArithmetic = CpuTimeProfiler.userAndKernelTicks();
    assertTrue(x != 0);
    long yieldKernel = afterYield[1] - start[1];
    long arithmeticUser = afterArithmetic[0] - afterYield[0];
    long arithmeticKernel = afterArithmetic[1] - afterYield[1];
    assertTrue(yieldKernel >= 5, "kernel ticks while yielding: " + yieldKernel);
    assertTrue(arithmeticUser > 2 * arithmeticKernel,
        "arithmetic: user " + arithmeticUser + " ticks, kernel " + arithmeticKernel);
  }
}
