package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.fail;

import dev.maas.InvalidInputException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Mutation and a bounded-time check for fuzzing the TensorProto reader. */
final class Fuzz {
  private static final long LIMIT_MS = 5_000;
  private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fuzz-reader");
    t.setDaemon(true);
    return t;
  });

  private Fuzz() {}

  /** Reads {@code bytes}; fails on anything but success or InvalidInputException within the limit. */
  static void readOnlyFailsCleanly(byte[] bytes) {
    Future<?> f = READER.submit(() -> TensorProtos.read(bytes));
    try {
      f.get(LIMIT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof InvalidInputException)) {
        throw new AssertionError("read threw " + e.getCause() + " for " + HexFormat.of().formatHex(bytes), e.getCause());
      }
    } catch (TimeoutException e) {
      f.cancel(true);
      fail("read took over " + LIMIT_MS + " ms for " + HexFormat.of().formatHex(bytes));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }

  /** {@code rounds} random edits of {@code proto}: byte flips, truncations, insertions, splices. */
  static byte[] mutate(byte[] proto, long seed, int rounds) {
    Random random = new Random(seed);
    byte[] b = proto;
    for (int round = 0; round < rounds; round++) {
      int pos = b.length == 0 ? 0 : random.nextInt(b.length);
      switch (random.nextInt(5)) {
        case 0: // flip one bit
          if (b.length > 0) {
            b = b.clone();
            b[pos] ^= (byte) (1 << random.nextInt(8));
          }
          break;
        case 1: // overwrite a byte with an interesting value
          if (b.length > 0) {
            b = b.clone();
            byte[] interesting = {0, (byte) 0x80, (byte) 0xFF, 0x7F, 0x01, 0x0A, 0x4A};
            b[pos] = interesting[random.nextInt(interesting.length)];
          }
          break;
        case 2: // truncate
          b = Arrays.copyOf(b, pos);
          break;
        case 3: { // insert random bytes
          byte[] ins = new byte[1 + random.nextInt(11)];
          random.nextBytes(ins);
          byte[] out = new byte[b.length + ins.length];
          System.arraycopy(b, 0, out, 0, pos);
          System.arraycopy(ins, 0, out, pos, ins.length);
          System.arraycopy(b, pos, out, pos + ins.length, b.length - pos);
          b = out;
          break;
        }
        default: { // repeat a slice (duplicated fields)
          int end = pos + random.nextInt(b.length - pos + 1);
          byte[] out = new byte[b.length + (end - pos)];
          System.arraycopy(b, 0, out, 0, end);
          System.arraycopy(b, pos, out, end, b.length - end + (end - pos));
          b = out;
        }
      }
    }
    return b;
  }
}
