package dev.maas.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime called directly: the baseline. One {@link OrtSession} with the same options maas
 * gives its sessions; each call does what a careful raw user does, and no less than maas's caller
 * does: copies each input array into a fresh direct buffer, wraps it with {@link
 * OnnxTensor#createTensor(OrtEnvironment, ByteBuffer, long[], ai.onnxruntime.OnnxJavaType)} (no
 * further copy), runs, copies the one output it needs into a {@code float[]} with a single copy
 * ({@link OnnxTensor#getFloatBuffer()}, whose heap array is returned), and closes the tensors and
 * the result. Thread-safe: one session may run on many threads at once.
 */
public final class RawOrtSubject implements Subject {
  private final OrtEnvironment env;
  private final OrtSession session;

  /**
   * Opens a session on {@code model}'s file.
   *
   * @param model the model
   * @param settings the session's threads
   */
  public RawOrtSubject(BenchModel model, OrtSettings settings) {
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(settings.intraOpThreads());
      so.setInterOpNumThreads(settings.interOpThreads());
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = env.createSession(model.file().toString(), so);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load " + model.file() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public float[] call(Feed feed) {
    Map<String, OnnxTensor> in = new HashMap<>(8);
    try {
      for (Feed.Input i : feed.inputs()) {
        in.put(i.name(), tensor(i));
      }
      try (OrtSession.Result r = session.run(in)) {
        OnnxValue v = r.get(feed.output()).orElseThrow();
        FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer(); // one copy, into a heap buffer
        return fb.array();
      }
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    } finally {
      for (OnnxTensor t : in.values()) {
        t.close();
      }
    }
  }

  private OnnxTensor tensor(Feed.Input i) throws OrtException {
    if (i.values() instanceof float[] f) {
      ByteBuffer b = ByteBuffer.allocateDirect(f.length * Float.BYTES).order(ByteOrder.nativeOrder());
      b.asFloatBuffer().put(f);
      return OnnxTensor.createTensor(env, b, i.shape(), ai.onnxruntime.OnnxJavaType.FLOAT);
    }
    long[] l = (long[]) i.values();
    ByteBuffer b = ByteBuffer.allocateDirect(l.length * Long.BYTES).order(ByteOrder.nativeOrder());
    b.asLongBuffer().put(l);
    return OnnxTensor.createTensor(env, b, i.shape(), ai.onnxruntime.OnnxJavaType.INT64);
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
