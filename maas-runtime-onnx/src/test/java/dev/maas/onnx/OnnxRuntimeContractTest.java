package dev.maas.onnx;

import dev.maas.DType;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.spi.Runtime;
import dev.maas.spi.RuntimeContractTest;

/** ONNX Runtime passes the runtime contract kit. */
class OnnxRuntimeContractTest extends RuntimeContractTest {
  @Override
  protected Runtime createRuntime() {
    return OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1));
  }

  @Override
  protected byte[] identityModel() {
    return SampleModels.identity(DType.FLOAT32);
  }

  @Override
  protected byte[] fixedShapeModel() {
    return SampleModels.fixedShape();
  }

  @Override
  protected String extension() {
    return ".onnx";
  }
}
