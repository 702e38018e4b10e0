package dev.maas.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The bytes of a model handed to a {@link Runtime}: a file on local disk, or bytes in memory (used
 * when the model came from a remote store or was decrypted, so that no plaintext touches disk).
 * Exactly one of {@link #path()} and {@link #bytes()} is non-null.
 */
public final class ModelSource {
  private final Path path;
  private final byte[] bytes;
  private final String fileName;

  private ModelSource(Path path, byte[] bytes, String fileName) {
    this.path = path;
    this.bytes = bytes;
    this.fileName = fileName;
  }

  /** A model in a local file, known by the file's own name. */
  public static ModelSource of(Path path) {
    Objects.requireNonNull(path, "path");
    Path name = path.getFileName();
    return new ModelSource(path, null, name == null ? path.toString() : name.toString());
  }

  /**
   * A model in a local file whose name is not the model's own, such as a content-addressed cache
   * entry.
   *
   * @param path the file
   * @param fileName the model's original file name, for messages and extension-based formats
   */
  public static ModelSource of(Path path, String fileName) {
    return new ModelSource(Objects.requireNonNull(path, "path"), null, Objects.requireNonNull(fileName, "fileName"));
  }

  /**
   * A model in memory; the array is not copied and must not be changed afterwards.
   *
   * @param bytes the model's bytes
   * @param fileName its original file name, for messages and extension-based formats
   */
  public static ModelSource of(byte[] bytes, String fileName) {
    return new ModelSource(null, Objects.requireNonNull(bytes, "bytes"), Objects.requireNonNull(fileName, "fileName"));
  }

  /** The file, or null when the model is in memory. */
  public Path path() {
    return path;
  }

  /** The bytes, or null when the model is a file. */
  public byte[] bytes() {
    return bytes;
  }

  /** The model's file name, for messages. */
  public String fileName() {
    return fileName;
  }

  @Override
  public String toString() {
    return path != null ? path.toString() : fileName + " (" + bytes.length + " bytes in memory)";
  }
}
