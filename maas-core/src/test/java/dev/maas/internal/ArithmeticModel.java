package dev.maas.internal;

import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.ModelSignature;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.spi.LoadedModel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A model computed in Java for the scheduler's laws: input {@code x} float32 {@code [batch, width]}
 * (width dynamic), output {@code y = x + 1} of the same shape. It records every batch it runs, can
 * be held at a gate, and fails any batch holding {@link #POISON} (with an exception) or {@link #FATAL}
 * (with an {@code Error}). A batch holding {@link #MALFORMED} returns an output map that throws an
 * exception when read, as a faulty runtime's might, and {@link #MALFORMED_FATAL} one that throws an
 * {@code OutOfMemoryError}: the failure then comes after the run, while the batch is answered.
 */
final class ArithmeticModel implements LoadedModel {
  static final float POISON = -999f;
  static final float FATAL = -888f;
  static final float MALFORMED = -777f;
  static final float MALFORMED_FATAL = -666f;

  /** One run: the batch input, when it started, and the thread that ran it. */
  record Run(Tensor x, long startNanos, String thread) {}

  final List<Run> runs = new CopyOnWriteArrayList<>();
  final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
  final AtomicBoolean closed = new AtomicBoolean();
  /** How long each run parks before it computes (0: not at all); parkNanos may return sooner. */
  volatile long runNanos;
  private final dev.maas.batch.Ticker ticker;

  ArithmeticModel(dev.maas.batch.Ticker ticker) {
    this.ticker = ticker;
  }

  /** Makes the next runs wait until {@link #open()}. */
  void hold() {
    gate.drainPermits();
  }

  void open() {
    gate.release(Integer.MAX_VALUE / 2);
  }

  /** Returns once a run has begun (held at the gate, say); fails after 5 s without one. */
  void awaitFirstRun() throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while (runs.isEmpty()) {
      if (System.nanoTime() - until > 0) {
        throw new AssertionError("no run began within 5 s");
      }
      Thread.sleep(1);
    }
  }

  @Override
  public ModelSignature signature() {
    return new ModelSignature(
        List.of(new TensorSpec("x", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.dynamic("width")))),
        List.of(new TensorSpec("y", DType.FLOAT32, List.of(Dimension.dynamic("batch"), Dimension.dynamic("width")))));
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    if (closed.get()) {
      throw new ServiceClosedException("closed");
    }
    signature().validate(inputs);
    Tensor x = inputs.get("x");
    runs.add(new Run(x, ticker.read(), Thread.currentThread().getName()));
    try {
      gate.acquire();
      gate.release();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (runNanos > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(runNanos);
    }
    float[] v = x.toFloatArray();
    for (int i = 0; i < v.length; i++) {
      if (v[i] == POISON) {
        throw new IllegalStateException("poison at " + i);
      }
      if (v[i] == FATAL) {
        throw new Error("fatal at " + i);
      }
      if (v[i] == MALFORMED || v[i] == MALFORMED_FATAL) {
        boolean fatal = v[i] == MALFORMED_FATAL;
        return new java.util.AbstractMap<>() {
          @Override
          public java.util.Set<Map.Entry<String, Tensor>> entrySet() {
            if (fatal) {
              throw new OutOfMemoryError("test: out of memory while reading the outputs");
            }
            throw new IllegalStateException("malformed output map");
          }

          @Override
          public int size() {
            return 1;
          }
        };
      }
      v[i] += 1;
    }
    return Map.of("y", Tensor.of(v, x.shape()));
  }

  @Override
  public long footprintBytes() {
    return 1;
  }

  @Override
  public void close() {
    closed.set(true);
  }
}
