package dev.maas.onnx;

import dev.maas.spi.Runtime;
import dev.maas.spi.RuntimeProvider;

/** Lets {@code ModelService.builder()} find {@link OnnxRuntime} on the classpath. */
public final class OnnxRuntimeProvider implements RuntimeProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public OnnxRuntimeProvider() {}

  @Override
  public String name() {
    return "onnx";
  }

  @Override
  public Runtime create() {
    return OnnxRuntime.create();
  }
}
