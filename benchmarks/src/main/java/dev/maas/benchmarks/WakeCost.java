package dev.maas.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What waking a parked thread costs on this machine: two threads hand a turn back and forth with
 * {@code LockSupport.park}/{@code unpark}, the way a blocked caller of {@code predict} is woken when
 * its batch is answered. Prints, per round, the wall time and the CPU time of the whole JVM per
 * hand-off, then their medians. It is a property of the machine, not of maas: it tells how much of
 * {@link ConcurrencyBenchmark#maasBatched}'s cost per row at many callers a different machine would
 * change.
 *
 * <p>Run it as is (the scheduler puts the two threads on different cores, and a core with nothing
 * else to do goes idle between hand-offs), and pinned to one core to compare:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.WakeCost [handoffs=400000] [rounds=5]
 * taskset -c 0 java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.WakeCost
 * </pre>
 */
public final class WakeCost {
  private WakeCost() {}

  private static volatile int turn;

  /**
   * Runs the rounds and prints the figures.
   *
   * @param args optional: hand-offs per round (400,000), rounds (5)
   * @throws InterruptedException if interrupted while waiting for a round's threads
   */
  public static void main(String[] args) throws InterruptedException {
    int handoffs = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<Double> wall = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      double[] perHandoff = round(handoffs / 2);
      wall.add(perHandoff[0]);
      cpu.add(perHandoff[1]);
      System.out.printf("round %d: %.2f µs wall, %.2f µs CPU per hand-off%n", r + 1, perHandoff[0], perHandoff[1]);
    }
    System.out.printf("median of %d rounds of %,d hand-offs: %.2f µs wall, %.2f µs CPU per hand-off (%d processors)%n",
        rounds, handoffs / 2 * 2, Stats.median(wall), Stats.median(cpu), Runtime.getRuntime().availableProcessors());
  }

  /** Two threads, {@code perThread} turns each; returns µs of wall and of CPU per hand-off. */
  private static double[] round(int perThread) throws InterruptedException {
    turn = 0;
    Thread[] t = new Thread[2];
    for (int k = 0; k < 2; k++) {
      int me = k;
      t[k] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          while (turn != me) {
            LockSupport.park(); // a spurious return just checks again
          }
          turn = 1 - me;
          LockSupport.unpark(t[1 - me]);
        }
      }, "wake-cost-" + k);
    }
    long cpu0 = Stats.processCpuNanos();
    long wall0 = System.nanoTime();
    t[0].start();
    t[1].start();
    t[0].join();
    t[1].join();
    double n = 2.0 * perThread;
    return new double[] {(System.nanoTime() - wall0) / 1e3 / n, (Stats.processCpuNanos() - cpu0) / 1e3 / n};
  }
}
