package dev.maas.onnx;

import dev.maas.DType;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.internal.Telemetry;
import dev.maas.onnx.tools.SampleModels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link TelemetryTest}: deploys and runs a model through maas, lingers long
 * enough for ONNX Runtime's telemetry to start if it were on, and prints what it saw.
 */
public final class TelemetryChild {
  private TelemetryChild() {}

  /** Args: store directory, milliseconds to linger. */
  public static void main(String[] args) throws Exception {
    System.out.println("env-before=" + System.getenv("ORT_DISABLE_TELEMETRY"));
    Path store = Path.of(args[0]);
    Path model = Files.write(store.resolveSibling("id.onnx"), SampleModels.identity(DType.FLOAT32));
    try (ModelService maas = ModelService.builder().storeDirectory(store).build()) {
      maas.deploy("id", model);
      Tensor y = maas.predict(ModelRef.parse("id"),
          InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3}, 1, 3))).output("y");
      System.out.println("output=" + java.util.Arrays.toString(y.toFloatArray()));
      Thread.sleep(Long.parseLong(args[1]));
    }
    System.out.println("native=" + Telemetry.nativeValue());
    System.out.println("pid=" + ProcessHandle.current().pid());
  }
}
