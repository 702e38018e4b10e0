package dev.maas;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The copy that requests and results keep of their named tensors. */
final class NamedTensors {
  private NamedTensors() {}

  /** An unmodifiable copy in the same order; one entry (the common case) takes no hash map. */
  static Map<String, Tensor> copyOf(Map<String, Tensor> tensors) {
    if (tensors.size() == 1) {
      Map.Entry<String, Tensor> e = tensors.entrySet().iterator().next();
      return Collections.singletonMap(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }
}
