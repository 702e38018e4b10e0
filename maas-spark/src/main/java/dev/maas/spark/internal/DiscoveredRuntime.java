package dev.maas.spark.internal;

import dev.maas.spark.RuntimeFactory;
import dev.maas.spi.Runtime;
import dev.maas.spi.RuntimeProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** {@link RuntimeFactory#discover()}: a singleton, so equal configurations share one service. */
public enum DiscoveredRuntime implements RuntimeFactory {
  /** The only instance. */
  INSTANCE;

  @Override
  public Runtime create() {
    List<RuntimeProvider> found = new ArrayList<>();
    ServiceLoader.load(RuntimeProvider.class, DiscoveredRuntime.class.getClassLoader()).forEach(found::add);
    if (found.size() == 1) {
      return found.get(0).create();
    }
    if (found.isEmpty()) {
      throw new IllegalStateException("no maas runtime on this JVM's classpath: ship maas-runtime-onnx (and its"
          + " dependencies) with the job (spark-submit --jars or --packages), or pass a RuntimeFactory");
    }
    List<String> names = new ArrayList<>();
    found.forEach(p -> names.add(p.name() + " (" + p.getClass().getName() + ")"));
    throw new IllegalStateException("more than one maas runtime on this JVM's classpath: " + names
        + "; remove all but one, or pass a RuntimeFactory");
  }

  @Override
  public String toString() {
    return "RuntimeFactory.discover()";
  }
}
