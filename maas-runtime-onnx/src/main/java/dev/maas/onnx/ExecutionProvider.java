package dev.maas.onnx;

import java.util.Objects;

/**
 * Where ONNX Runtime runs a model: the CPU, or a CUDA device. Listed in order of preference in
 * {@link OnnxOptions#executionProviders()}.
 *
 * @param kind the provider
 * @param deviceId the CUDA device index (0 for CPU)
 */
public record ExecutionProvider(Kind kind, int deviceId) {
  /** The providers maas knows. */
  public enum Kind {
    /** ONNX Runtime's default CPU provider; always available. */
    CPU,
    /** NVIDIA CUDA; needs the {@code onnxruntime_gpu} jar (maas-runtime-onnx-gpu), a GPU and CUDA 12. */
    CUDA
  }

  /** Validates. */
  public ExecutionProvider {
    Objects.requireNonNull(kind, "kind");
    if (deviceId < 0) {
      throw new IllegalArgumentException("device id must be >= 0, got " + deviceId);
    }
    if (kind == Kind.CPU && deviceId != 0) {
      throw new IllegalArgumentException("the CPU provider has no device id");
    }
  }

  /** The CPU. */
  public static ExecutionProvider cpu() {
    return new ExecutionProvider(Kind.CPU, 0);
  }

  /** CUDA device {@code deviceId}. */
  public static ExecutionProvider cuda(int deviceId) {
    return new ExecutionProvider(Kind.CUDA, deviceId);
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + deviceId;
  }
}
