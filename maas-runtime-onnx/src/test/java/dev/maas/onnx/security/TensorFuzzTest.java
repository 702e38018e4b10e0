package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maas.DType;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.BatchingPolicy;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.OnnxModelBuilder;
import dev.maas.security.InputLimits;
import dev.maas.testing.Fuzzing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random tensors — every dtype, ranks 0 to 5, dimensions of 0, small, and huge, buffers of the
 * right and of wrong lengths, heap and direct, either byte order, strings of any characters, unknown
 * and overlong input names — thrown at real ONNX Runtime through the service, with batching off and
 * on. Every case either runs (an identity model returns exactly its input) or is refused with an
 * {@link InvalidInputException} (a {@link dev.maas.LimitExceededException} among them) before native
 * code sees it; none hangs, none crashes the JVM.
 */
@AddLifecycleHook(Fuzzing.class)
class TensorFuzzTest {
  /** The dtypes ONNX Runtime's Java API can feed; the unsigned 16/32/64-bit ones it cannot. */
  static final List<DType> RUNNABLE = List.of(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16, DType.INT8,
      DType.UINT8, DType.INT16, DType.INT32, DType.INT64, DType.BOOL, DType.STRING);
  static final int MAX_RANK = 4;
  static final long[] HUGE = {Integer.MAX_VALUE, 1L << 31, 1L << 40, 1L << 62, Long.MAX_VALUE};

  private static Path root;
  private static OnnxRuntime onnx;
  private static ModelService direct;
  private static ModelService batched;

  @BeforeContainer
  static void deployIdentityModels() throws Exception {
    root = Files.createTempDirectory("maas-tensor-fuzz");
    onnx = OnnxRuntime.create();
    InputLimits limits = InputLimits.defaults().withMaxTensorElements(1 << 20).withMaxTensorBytes(8 << 20)
        .withMaxRequestElements(3 << 19).withMaxRequestBytes(12 << 20).withMaxInputs(4).withMaxNameLength(64);
    direct = ModelService.builder().storeDirectory(root.resolve("store")).runtime(onnx).inputLimits(limits).build();
    batched = ModelService.builder().storeDirectory(root.resolve("store")).runtime(onnx).inputLimits(limits)
        .batching(BatchingPolicy.defaults().withMaxBatchSize(8).withMaxQueueDelay(java.time.Duration.ofMillis(1)))
        .build();
    for (DType d : RUNNABLE) {
      for (int rank = 0; rank <= MAX_RANK; rank++) {
        Object[] dims = new Object[rank];
        for (int i = 0; i < rank; i++) {
          dims[i] = "d" + i;
        }
        byte[] model = OnnxModelBuilder.create().input("x", d, dims).node("Identity", List.of("x"), List.of("y"))
            .output("y", d, dims).build();
        direct.deploy(modelName(d, rank), Files.write(root.resolve(modelName(d, rank) + ".onnx"), model));
      }
    }
  }

  @AfterContainer
  static void closeAll() throws Exception {
    direct.close();
    batched.close();
    onnx.close();
    try (var files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static String modelName(DType d, int rank) {
    return "id-" + d.typeName() + "-r" + rank;
  }

  /** One generated case: the tensor's recipe, where it is sent, and how. */
  record Case(DType dtype, long[] shape, int bufferDelta, boolean heap, boolean swappedOrder, String inputName,
      DType modelDtype, int modelRank, boolean useBatching, boolean extraInput, long seed) {
    @Override
    public String toString() {
      return dtype + java.util.Arrays.toString(shape) + " delta=" + bufferDelta + (heap ? " heap" : "")
          + (swappedOrder ? " swapped" : "") + " as '" + inputName + "' to " + modelName(modelDtype, modelRank)
          + (useBatching ? " batched" : "") + (extraInput ? " +extra" : "");
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Long> dim = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(12, Arbitraries.just(0L)),
        net.jqwik.api.Tuple.of(70, Arbitraries.longs().between(1, 5)),
        net.jqwik.api.Tuple.of(9, Arbitraries.longs().between(6, 40)),
        net.jqwik.api.Tuple.of(6, Arbitraries.of(HUGE[0], HUGE[1], HUGE[2], HUGE[3], HUGE[4])),
        net.jqwik.api.Tuple.of(3, Arbitraries.of(-1L, Long.MIN_VALUE)));
    Arbitrary<long[]> shape = dim.array(long[].class).ofMaxSize(5);
    Arbitrary<Integer> delta = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(85, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(15, Arbitraries.integers().between(-9, 9)));
    Arbitrary<String> name = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(94, Arbitraries.just("x")),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().ofMinLength(1).ofMaxLength(8)),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().withChars('x', 'y').ofMinLength(65).ofMaxLength(70)));
    Arbitrary<Boolean> rarely = Arbitraries.integers().between(0, 19).map(i -> i == 0);
    return net.jqwik.api.Combinators.combine(List.of(
            Arbitraries.of(DType.class).map(Object.class::cast), shape.map(Object.class::cast),
            delta.map(Object.class::cast), rarely.map(Object.class::cast), rarely.map(Object.class::cast),
            name.map(Object.class::cast), Arbitraries.integers().between(0, 9).map(Object.class::cast),
            Arbitraries.of(RUNNABLE).map(Object.class::cast), Arbitraries.integers().between(0, MAX_RANK).map(Object.class::cast),
            Arbitraries.of(true, false).map(Object.class::cast), rarely.map(Object.class::cast),
            Arbitraries.longs().map(Object.class::cast)))
        .as(v -> {
          DType dt = (DType) v.get(0);
          long[] s = (long[]) v.get(1);
          // Mostly send it to the model that takes it, so that it gets past validation to native code.
          boolean matching = (Integer) v.get(6) < 9 && RUNNABLE.contains(dt) && s.length <= MAX_RANK;
          return new Case(dt, s, (Integer) v.get(2), (Boolean) v.get(3), (Boolean) v.get(4), (String) v.get(5),
              matching ? dt : (DType) v.get(7), matching ? s.length : (Integer) v.get(8), (Boolean) v.get(9),
              (Boolean) v.get(10), (Long) v.get(11));
        });
  }

  /** The tensor of a case, or an {@link InvalidInputException} from its factory. */
  static Tensor tensor(Case c) {
    Random r = new Random(c.seed());
    long n;
    try {
      n = Tensor.elementCount(c.shape());
    } catch (InvalidInputException e) {
      n = r.nextInt(8); // a shape with a negative or overflowing size: any data is wrong for it
    }
    if (c.dtype() == DType.STRING) {
      int count = (int) Math.max(0, Math.min(n + c.bufferDelta(), 4096));
      String[] s = new String[count];
      for (int i = 0; i < count; i++) {
        s[i] = randomString(r);
      }
      return Tensor.of(s, c.shape().length == 0 ? new long[] {count} : c.shape());
    }
    long bytes = n * c.dtype().byteSize() + (long) c.bufferDelta() * c.dtype().byteSize();
    int len = (int) Math.max(0, Math.min(bytes, 1 << 18));
    ByteBuffer b = c.heap() ? ByteBuffer.allocate(len) : ByteBuffer.allocateDirect(len);
    ByteOrder order = c.swappedOrder()
        ? (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
        : ByteOrder.nativeOrder();
    b.order(order);
    byte[] junk = new byte[Math.min(len, 4096)]; // random where it is cheap, zeros after
    r.nextBytes(junk);
    b.put(junk).position(len).flip();
    return Tensor.wrap(c.dtype(), b.order(order), c.shape());
  }

  private static String randomString(Random r) {
    int len = r.nextInt(6) == 0 ? r.nextInt(300) : r.nextInt(8);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      int cp = r.nextInt(4) == 0 ? r.nextInt(0x10FFFF) : r.nextInt(128);
      if (Character.isValidCodePoint(cp) && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  @Property(tries = 32_000)
  void anyTensorRunsOrIsRefusedBeforeNativeCode(@ForAll("cases") Case c) {
    String outcome = Bounded.run(Set.of(InvalidInputException.class), () -> {
      Tensor t = tensor(c);
      Map<String, Tensor> inputs = new LinkedHashMap<>();
      inputs.put(c.inputName(), t);
      if (c.extraInput()) {
        inputs.put("extra", t);
      }
      ModelService maas = c.useBatching() ? batched : direct;
      InferenceResult r = maas.predict(ModelRef.parse(modelName(c.modelDtype(), c.modelRank())), InferenceRequest.of(inputs));
      Tensor y = r.output("y");
      // An identity model: what comes back is what went in.
      assertEquals(t.dtype(), y.dtype());
      assertArrayEquals(t.shape(), y.shape());
      assertEquals(t, y);
      return null;
    });
    Statistics.collect(outcome);
  }

}
