package dev.maas.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Random sequences of guard operations, run on one thread and checked against a simple model after each step. */
class InFlightGuardPropertyTest {
  enum Op { ENTER, EXIT, CLOSE, CLOSE_WITH_ACTION }

  @Provide
  Arbitrary<List<Op>> ops() {
    // Enters and exits dominate so that close lands at every depth.
    return Arbitraries.frequency(
            Tuple.of(5, Op.ENTER), Tuple.of(4, Op.EXIT), Tuple.of(1, Op.CLOSE), Tuple.of(1, Op.CLOSE_WITH_ACTION))
        .list().ofMaxSize(60);
  }

  @Property(tries = 1000)
  void guardBehavesLikeItsModel(@ForAll("ops") List<Op> ops) throws InterruptedException {
    InFlightGuard g = new InFlightGuard();
    boolean closed = false;
    long count = 0;
    AtomicInteger registered = null; // the action given to the close() that won
    AtomicInteger loserRuns = new AtomicInteger(); // shared by the actions of close() calls that lost

    for (int step = 0; step < ops.size(); step++) {
      String at = "step " + step + " of " + ops;
      switch (ops.get(step)) {
        case ENTER -> {
          assertEquals(!closed, g.tryEnter(), at);
          if (!closed) {
            count++;
          }
        }
        case EXIT -> {
          if (count == 0) {
            assertThrows(IllegalStateException.class, g::exit, at);
            return; // the guard's state after a stray exit is not specified
          }
          g.exit();
          count--;
        }
        case CLOSE -> {
          assertEquals(!closed, g.close(), at);
          closed = true;
        }
        case CLOSE_WITH_ACTION -> {
          boolean first = !closed;
          AtomicInteger runs = first ? new AtomicInteger() : loserRuns;
          assertEquals(first, g.close(runs::incrementAndGet), at);
          if (first) {
            registered = runs;
          }
          closed = true;
        }
        default -> throw new AssertionError();
      }
      boolean idle = closed && count == 0;
      assertEquals(closed, g.isClosed(), at);
      assertEquals(count, g.inFlight(), at);
      assertEquals(idle, g.awaitIdle(0, TimeUnit.MILLISECONDS), at);
      if (registered != null) {
        assertEquals(idle ? 1 : 0, registered.get(), "the winning close's action; " + at);
      }
      assertEquals(0, loserRuns.get(), "a losing close's action ran; " + at);
    }
  }
}
