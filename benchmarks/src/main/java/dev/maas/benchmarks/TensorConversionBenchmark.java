package dev.maas.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.maas.DType;
import dev.maas.Tensor;
import dev.maas.onnx.internal.Conversions;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * <b>What does it cost to get a tensor of each dtype into ONNX Runtime and back out through maas,
 * against doing it with ONNX Runtime's Java API directly?</b> The four steps every call through
 * maas pays per input and per output, one benchmark each, and the same round trip done the raw way:
 *
 * <ul>
 *   <li>{@link #ofArray}: a Java array into a {@link Tensor} ({@code Tensor.of}, which copies it
 *       into a direct buffer);
 *   <li>{@link #toOnnx}: that tensor into an {@code OnnxTensor} ({@code Conversions.toOnnx}, which
 *       shares a direct buffer and copies nothing for numeric dtypes), closed again;
 *   <li>{@link #fromOnnx}: an {@code OnnxTensor} (a run's output) into a {@link Tensor} ({@code
 *       Conversions.fromOnnx}: one copy out of native memory);
 *   <li>{@link #toArray}: a {@link Tensor} into a Java array ({@code toFloatArray()} and its kin);
 *   <li>{@link #maasRoundTrip}: the four in a row, against {@link #rawRoundTrip}: a Java array into
 *       an {@code OnnxTensor} with {@code OnnxTensor.createTensor} (from a buffer over the array, or
 *       the {@code String[]}), and back into a Java array through {@code getXBuffer()} or {@code
 *       getValue()}, as a JVM user of ONNX Runtime writes it.
 * </ul>
 *
 * <p>Every dtype maas hands to ONNX Runtime's Java API ({@code -p dtype=...}; ONNX Runtime's Java
 * API cannot create uint16, uint32, uint64 or bfloat16 tensors), at 256 elements (a row of the
 * benchmark MLP) and 65,536 ({@code -p elements=...}). Run with {@code -prof gc} for bytes allocated
 * per operation.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar TensorConversionBenchmark -prof gc -rf json -rff target/jmh-tensors.json
 * java -jar benchmarks/target/benchmarks.jar 'TensorConversionBenchmark.(maas|raw)RoundTrip' -p dtype=float32 -p elements=256
 * }</pre>
 *
 * (with {@code ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true} in the
 * environment, as {@code benchmarks/run.sh} sets them).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TensorConversionBenchmark {

  /** One dtype's arrays, tensors and an ONNX Runtime tensor of them. */
  @State(Scope.Benchmark)
  public static class Data {
    /** The dtype, by its maas name ({@code float32}, ...). */
    @Param({"float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16", "string"})
    public String dtype;

    /** Elements per tensor, shaped {@code [1, elements]}. */
    @Param({"256", "65536"})
    public int elements;

    DType type;
    long[] shape;
    Object array; // the Java array a caller holds: float[], ..., boolean[], String[]
    Tensor tensor;
    OnnxTensor onnx;
    OrtEnvironment env;

    /** Makes the array (values that differ, so no dtype's copy can be a fill), the tensor and its ORT twin. */
    @Setup
    public void setUp() throws OrtException {
      env = OrtEnvironment.getEnvironment();
      type = DType.fromName(dtype);
      shape = new long[] {1, elements};
      array = array(type, elements);
      tensor = tensorOf(type, array, shape);
      onnx = Conversions.toOnnx(env, tensor);
    }

    /** Closes the ORT tensor. */
    @TearDown
    public void tearDown() {
      onnx.close();
    }
  }

  static Object array(DType type, int n) {
    switch (type) {
      case FLOAT32: {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = i * 0.5f;
        }
        return a;
      }
      case FLOAT16: { // a caller converting floats to half precision (Tensor.ofFloat16)
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (i % 2048) * 0.25f;
        }
        return a;
      }
      case FLOAT64: {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = i * 0.5;
        }
        return a;
      }
      case INT64: {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = i * 3L;
        }
        return a;
      }
      case INT32: {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = i * 3;
        }
        return a;
      }
      case INT16: {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) {
          a[i] = (short) i;
        }
        return a;
      }
      case INT8:
      case UINT8: {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
          a[i] = (byte) i;
        }
        return a;
      }
      case BOOL: {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = (i & 1) == 0;
        }
        return a;
      }
      case STRING: {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
          a[i] = "token-" + i;
        }
        return a;
      }
      default:
        throw new IllegalArgumentException("ONNX Runtime's Java API cannot create " + type + " tensors");
    }
  }

  static Tensor tensorOf(DType type, Object a, long[] shape) {
    switch (type) {
      case FLOAT32: return Tensor.of((float[]) a, shape);
      case FLOAT16: return Tensor.ofFloat16((float[]) a, shape);
      case FLOAT64: return Tensor.of((double[]) a, shape);
      case INT64: return Tensor.of((long[]) a, shape);
      case INT32: return Tensor.of((int[]) a, shape);
      case INT16: return Tensor.of((short[]) a, shape);
      case INT8: return Tensor.of((byte[]) a, shape);
      case UINT8: return Tensor.ofUint8((byte[]) a, shape);
      case BOOL: return Tensor.of((boolean[]) a, shape);
      case STRING: return Tensor.of((String[]) a, shape);
      default: throw new IllegalArgumentException(type.toString());
    }
  }

  static Object arrayOf(Tensor t) {
    switch (t.dtype()) {
      case FLOAT32:
      case FLOAT16: return t.toFloatArray();
      case FLOAT64: return t.toDoubleArray();
      case INT64: return t.toLongArray();
      case INT32: return t.toIntArray();
      case INT16: return t.toShortArray();
      case INT8:
      case UINT8: return t.toByteArray();
      case BOOL: return t.toBooleanArray();
      case STRING: return t.toStringArray();
      default: throw new IllegalArgumentException(t.dtype().toString());
    }
  }

  /** A Java array into an ORT tensor the way ORT's Java API takes it, and back out, without maas. */
  static Object rawRoundTrip(OrtEnvironment env, DType type, Object a, long[] shape) throws OrtException {
    switch (type) {
      case FLOAT32:
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) a), shape)) {
          FloatBuffer b = t.getFloatBuffer();
          float[] out = new float[b.remaining()];
          b.get(out);
          return out;
        }
      case FLOAT16: { // the caller converts floats to half-precision bits itself, as Tensor.ofFloat16 does
        float[] f = (float[]) a;
        short[] bits = new short[f.length];
        for (int i = 0; i < f.length; i++) {
          bits[i] = ai.onnxruntime.platform.Fp16Conversions.floatToFp16(f[i]);
        }
        try (OnnxTensor t = OnnxTensor.createTensor(env, ShortBuffer.wrap(bits), shape, OnnxJavaType.FLOAT16)) {
          FloatBuffer b = t.getFloatBuffer(); // ORT widens float16 to float32
          float[] out = new float[b.remaining()];
          b.get(out);
          return out;
        }
      }
      case FLOAT64:
        try (OnnxTensor t = OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) a), shape)) {
          DoubleBuffer b = t.getDoubleBuffer();
          double[] out = new double[b.remaining()];
          b.get(out);
          return out;
        }
      case INT64:
        try (OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) a), shape)) {
          LongBuffer b = t.getLongBuffer();
          long[] out = new long[b.remaining()];
          b.get(out);
          return out;
        }
      case INT32:
        try (OnnxTensor t = OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) a), shape)) {
          IntBuffer b = t.getIntBuffer();
          int[] out = new int[b.remaining()];
          b.get(out);
          return out;
        }
      case INT16:
        try (OnnxTensor t = OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) a), shape)) {
          ShortBuffer b = t.getShortBuffer();
          short[] out = new short[b.remaining()];
          b.get(out);
          return out;
        }
      case INT8:
      case UINT8:
        try (OnnxTensor t = OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) a), shape,
            type == DType.INT8 ? OnnxJavaType.INT8 : OnnxJavaType.UINT8)) {
          ByteBuffer b = t.getByteBuffer();
          byte[] out = new byte[b.remaining()];
          b.get(out);
          return out;
        }
      case BOOL: {
        boolean[] v = (boolean[]) a;
        ByteBuffer bytes = ByteBuffer.allocate(v.length);
        for (boolean x : v) {
          bytes.put(x ? (byte) 1 : (byte) 0);
        }
        bytes.flip();
        try (OnnxTensor t = OnnxTensor.createTensor(env, bytes, shape, OnnxJavaType.BOOL)) {
          ByteBuffer b = t.getByteBuffer();
          boolean[] out = new boolean[b.remaining()];
          for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i) != 0;
          }
          return out;
        }
      }
      case STRING:
        try (OnnxTensor t = OnnxTensor.createTensor(env, (String[]) a, shape)) {
          return ((String[][]) t.getValue())[0];
        }
      default:
        throw new IllegalArgumentException(type.toString());
    }
  }

  /** A Java array into a {@link Tensor}. */
  @Benchmark
  public Tensor ofArray(Data d) {
    return tensorOf(d.type, d.array, d.shape);
  }

  /** A {@link Tensor} into an ORT tensor, closed again. */
  @Benchmark
  public long toOnnx(Data d) throws OrtException {
    try (OnnxTensor t = Conversions.toOnnx(d.env, d.tensor)) {
      return t.getInfo().getNumElements();
    }
  }

  /** An ORT tensor (a run's output) into a {@link Tensor}. */
  @Benchmark
  public Tensor fromOnnx(Data d) throws OrtException {
    return Conversions.fromOnnx(d.onnx);
  }

  /** A {@link Tensor} into a Java array. */
  @Benchmark
  public Object toArray(Data d) {
    return arrayOf(d.tensor);
  }

  /** The four steps in a row: array, tensor, ORT tensor, tensor, array. */
  @Benchmark
  public Object maasRoundTrip(Data d) throws OrtException {
    Tensor in = tensorOf(d.type, d.array, d.shape);
    Tensor out;
    try (OnnxTensor t = Conversions.toOnnx(d.env, in)) {
      out = Conversions.fromOnnx(t);
    }
    return arrayOf(out);
  }

  /** The round trip with ONNX Runtime's Java API alone. */
  @Benchmark
  public Object rawRoundTrip(Data d) throws OrtException {
    return rawRoundTrip(d.env, d.type, d.array, d.shape);
  }
}
