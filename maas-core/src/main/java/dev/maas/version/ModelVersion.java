package dev.maas.version;

import dev.maas.ModelRef;
import dev.maas.Names;

/**
 * One immutable, numbered version of a model ({@code name:7}).
 *
 * @param model the model name
 * @param version the version number, from 1
 */
public record ModelVersion(String model, long version) {
  /** Validates both parts. */
  public ModelVersion {
    Names.checkModelName(model);
    Names.checkVersion(version);
  }

  /** A reference to exactly this version. */
  public ModelRef ref() {
    return ModelRef.of(model, version);
  }

  /** {@code name:7}. */
  @Override
  public String toString() {
    return model + ":" + version;
  }
}
