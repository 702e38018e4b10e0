package dev.maas.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.maas.InferenceException;
import dev.maas.ModelLoadException;
import dev.maas.ModelSignature;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.spi.InFlightGuard;
import dev.maas.spi.LoadedModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session. Runs are guarded so that {@link #close()} waits for those in flight:
 * closing an {@code OrtSession} during {@code run} crashes the JVM.
 */
public final class OnnxLoadedModel implements LoadedModel {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxLoadedModel.class);

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelSignature signature;
  private final String device;
  private final long footprint;
  private final String description;
  private final InFlightGuard guard = new InFlightGuard();

  /**
   * Wraps a session; reads its signature.
   *
   * @throws ModelLoadException (and closes the session) if the signature has something maas cannot carry
   */
  public OnnxLoadedModel(OrtEnvironment env, OrtSession session, String device, long footprint, String description) {
    this.env = env;
    this.session = session;
    this.device = device;
    this.footprint = footprint;
    this.description = description;
    try {
      this.signature = signature(session);
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  static ModelSignature signature(OrtSession session) {
    try {
      List<TensorSpec> in = new ArrayList<>();
      for (NodeInfo n : session.getInputInfo().values()) {
        in.add(Conversions.spec(n, true));
      }
      List<TensorSpec> out = new ArrayList<>();
      for (NodeInfo n : session.getOutputInfo().values()) {
        out.add(Conversions.spec(n, false));
      }
      return new ModelSignature(in, out);
    } catch (OrtException e) {
      throw new ModelLoadException("cannot read the model's inputs and outputs: " + e.getMessage(), e);
    }
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  /** Where the session runs: {@code cpu} or {@code cuda:N}. */
  public String device() {
    return device;
  }

  @Override
  public long footprintBytes() {
    return footprint;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    if (!guard.tryEnter()) {
      throw new ServiceClosedException(description + " is closed");
    }
    try {
      signature.validate(inputs);
      Map<String, OnnxTensor> feed = new HashMap<>(inputs.size() * 2);
      try {
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
          feed.put(e.getKey(), Conversions.toOnnx(env, e.getValue()));
        }
        try (OrtSession.Result result = session.run(feed)) {
          List<TensorSpec> specs = signature.outputs();
          if (specs.size() == 1) { // the common case, without a hash map
            return Map.of(specs.get(0).name(), output(result, specs.get(0)));
          }
          Map<String, Tensor> out = new LinkedHashMap<>(specs.size() * 2);
          for (TensorSpec spec : specs) {
            out.put(spec.name(), output(result, spec));
          }
          return out;
        }
      } finally {
        for (OnnxTensor t : feed.values()) {
          t.close();
        }
      }
    } catch (OrtException e) {
      throw new InferenceException(description + " failed: " + e.getMessage(), e);
    } finally {
      guard.exit();
    }
  }

  private Tensor output(OrtSession.Result result, TensorSpec spec) throws OrtException {
    Optional<OnnxValue> v = result.get(spec.name());
    if (v.isEmpty() || !(v.get() instanceof OnnxTensor)) {
      throw new InferenceException(description + " returned no tensor for output '" + spec.name() + "'");
    }
    return Conversions.fromOnnx((OnnxTensor) v.get());
  }

  @Override
  public void close() {
    if (!guard.close()) {
      return;
    }
    try {
      guard.awaitIdle();
    } catch (InterruptedException e) {
      // Never free the session under a running call: finish the wait, then restore the flag.
      boolean done = false;
      while (!done) {
        try {
          guard.awaitIdle();
          done = true;
        } catch (InterruptedException again) {
          // keep waiting
        }
      }
      Thread.currentThread().interrupt();
    }
    closeQuietly(session);
    LOG.debug("closed {}", description);
  }

  private static void closeQuietly(OrtSession s) {
    try {
      s.close();
    } catch (OrtException | RuntimeException e) {
      LOG.warn("closing an ONNX Runtime session failed: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return description + " on " + device;
  }
}
