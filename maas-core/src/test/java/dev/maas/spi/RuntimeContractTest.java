package dev.maas.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DType;
import dev.maas.InvalidInputException;
import dev.maas.ModelLoadException;
import dev.maas.ModelSignature;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link Runtime} passes. A runtime's test extends this class and supplies the
 * runtime and two models in its own format:
 * <ul>
 *   <li>{@link #identityModel()}: input {@code x}, float32 {@code [batch, 3]} with a dynamic batch
 *       dimension, output {@code y} equal to {@code x};
 *   <li>{@link #fixedShapeModel()}: input {@code x}, float32 {@code [2, 3]} fixed, one output.
 * </ul>
 */
public abstract class RuntimeContractTest {
  /** A fresh runtime for each test; closed after it. */
  protected abstract Runtime createRuntime();

  /** The identity model's bytes (see the class comment). */
  protected abstract byte[] identityModel();

  /** The fixed-shape model's bytes (see the class comment). */
  protected abstract byte[] fixedShapeModel();

  /** The file name extension of the runtime's models, e.g. {@code ".onnx"}. */
  protected abstract String extension();

  @TempDir protected Path dir;
  protected Runtime runtime;

  @BeforeEach
  void createIt() {
    runtime = createRuntime();
  }

  @AfterEach
  void closeIt() {
    runtime.close();
  }

  private ModelSource identityFile() throws Exception {
    Path p = dir.resolve("identity" + extension());
    Files.write(p, identityModel());
    return ModelSource.of(p);
  }

  @Test
  void inspectReadsTheSignature() throws Exception {
    ModelSignature sig = runtime.inspect(identityFile());
    assertEquals(1, sig.inputs().size());
    TensorSpec x = sig.inputs().get(0);
    assertEquals("x", x.name());
    assertEquals(DType.FLOAT32, x.dtype());
    assertEquals(2, x.shape().size());
    assertFalse(x.shape().get(0).isFixed(), "batch dimension must be dynamic");
    assertEquals(3, x.shape().get(1).size());
    assertEquals("y", sig.outputs().get(0).name());
  }

  @Test
  void loadsFromFileAndFromBytesAlike() throws Exception {
    try (LoadedModel a = runtime.load(identityFile());
        LoadedModel b = runtime.load(ModelSource.of(identityModel(), "identity" + extension()))) {
      assertEquals(a.signature(), b.signature());
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertEquals(a.run(Map.of("x", x)), b.run(Map.of("x", x)));
      assertTrue(a.footprintBytes() >= identityModel().length);
    }
  }

  @Test
  void runReturnsTheOutputs() throws Exception {
    try (LoadedModel m = runtime.load(identityFile())) {
      for (int batch : new int[] {1, 2, 7}) {
        float[] data = new float[batch * 3];
        for (int i = 0; i < data.length; i++) {
          data[i] = i * 0.5f - 3;
        }
        Map<String, Tensor> out = m.run(Map.of("x", Tensor.of(data, batch, 3)));
        assertEquals(List.of("y"), List.copyOf(out.keySet()));
        assertArrayEquals(new long[] {batch, 3}, out.get("y").shape());
        assertArrayEquals(data, out.get("y").toFloatArray());
      }
    }
  }

  @Test
  void invalidInputsAreRejectedBeforeTheModelRuns() throws Exception {
    try (LoadedModel m = runtime.load(identityFile())) {
      Tensor good = Tensor.of(new float[3], 1, 3);
      assertMessage(m, Map.of(), "missing input 'x'");
      assertMessage(m, Map.of("x", good, "z", good), "unknown input 'z'");
      assertMessage(m, Map.of("x", Tensor.of(new double[3], 1, 3)), "'x' must be float32");
      assertMessage(m, Map.of("x", Tensor.of(new float[3], 3)), "'x' must have rank 2");
      assertMessage(m, Map.of("x", Tensor.of(new float[4], 1, 4)), "'x' dimension 1 must be 3");
      // still serving after all of that
      assertEquals(good, m.run(Map.of("x", good)).get("y"));
    }
    Path fixed = dir.resolve("fixed" + extension());
    Files.write(fixed, fixedShapeModel());
    try (LoadedModel m = runtime.load(ModelSource.of(fixed))) {
      assertMessage(m, Map.of("x", Tensor.of(new float[9], 3, 3)), "'x' dimension 0 must be 2");
    }
  }

  private static void assertMessage(LoadedModel m, Map<String, Tensor> in, String expected) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.run(in));
    assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' should contain '" + expected + "'");
  }

  @Test
  void garbageIsAModelLoadException() throws Exception {
    Path p = dir.resolve("garbage" + extension());
    Files.write(p, "this is not a model".getBytes());
    assertThrows(ModelLoadException.class, () -> runtime.load(ModelSource.of(p)));
    assertThrows(ModelLoadException.class, () -> runtime.inspect(ModelSource.of(p)));
    assertThrows(ModelLoadException.class, () -> runtime.load(ModelSource.of(new byte[0], "empty" + extension())));
    byte[] truncated = java.util.Arrays.copyOf(identityModel(), identityModel().length / 2);
    assertThrows(ModelLoadException.class, () -> runtime.load(ModelSource.of(truncated, "t" + extension())));
  }

  @Test
  void closeIsIdempotentAndLaterRunsFail() throws Exception {
    LoadedModel m = runtime.load(identityFile());
    m.close();
    m.close();
    assertThrows(ServiceClosedException.class, () -> m.run(Map.of("x", Tensor.of(new float[3], 1, 3))));
  }

  /** Closing while 16 threads call: every call succeeds or gets ServiceClosedException; no crash. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void closeWhileSixteenThreadsAreCalling() throws Exception {
    for (int round = 0; round < 5; round++) {
      LoadedModel m = runtime.load(identityFile());
      int threads = 16;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch started = new CountDownLatch(threads);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger closed = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final float base = t;
        futures.add(pool.submit(() -> {
          started.countDown();
          float[] data = new float[] {base, base + 1, base + 2};
          for (int i = 0; i < 100_000; i++) {
            try {
              Tensor y = m.run(Map.of("x", Tensor.of(data, 1, 3))).get("y");
              assertArrayEquals(data, y.toFloatArray());
              ok.incrementAndGet();
            } catch (ServiceClosedException e) {
              closed.incrementAndGet();
              return null;
            }
          }
          return null;
        }));
      }
      started.await();
      Thread.sleep(20 + round * 10);
      m.close();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS); // rethrows any assertion failure or unexpected exception
      }
      pool.shutdown();
      assertTrue(ok.get() > 0, "some calls should have run before close");
      assertEquals(threads, closed.get(), "every thread must end with ServiceClosedException");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrentRunsGetTheirOwnResults() throws Exception {
    try (LoadedModel m = runtime.load(identityFile())) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int id = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            float[] data = {id, i, id * i};
            assertArrayEquals(data, m.run(Map.of("x", Tensor.of(data, 1, 3))).get("y").toFloatArray());
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }
  }
}
