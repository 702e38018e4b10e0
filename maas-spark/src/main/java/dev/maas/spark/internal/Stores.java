package dev.maas.spark.internal;

import dev.maas.StoreException;
import dev.maas.spark.StoreSpec;
import dev.maas.spi.ModelStore;
import dev.maas.store.FileSystemModelStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store a {@link StoreSpec} describes, on whichever JVM asks. */
public final class Stores {
  private Stores() {}

  /**
   * Opens the store. The caller owns it and closes it.
   *
   * @throws StoreException if a {@code file:} directory does not exist here
   * @throws UnsupportedOperationException for {@code s3:} until maas-storage-s3 is wired in
   */
  public static ModelStore open(StoreSpec spec) {
    switch (spec.kind()) {
      case FILE: {
        Path dir = spec.directory().orElseThrow();
        // FileSystemModelStore.open creates a missing directory; on an executor that would hide a
        // path that is not shared behind an empty store and a "no model" error.
        if (!Files.isDirectory(dir)) {
          throw new StoreException("the model store " + dir + " does not exist on host " + host()
              + ": a file: store must be a path every node sees (shared or mounted storage)");
        }
        return FileSystemModelStore.open(dir);
      }
      case S3:
        // Wiring for a later change, once maas-storage-s3 is released: add it as an optional
        // (provided) dependency and build
        //   S3ModelStore.builder().bucket(spec.bucket().get()).prefix(spec.prefix().get())
        //       .endpoint(spec.endpoint()...).region(spec.region()...).pathStyle(spec.pathStyle()).build()
        // wrapped in the verified local blob cache (CachingModelStore) under the executor's local
        // directory (SparkFiles.getRootDirectory() or spark.local.dir), so each executor downloads
        // a model once. Credentials come from the default AWS provider chain, never from the spec.
        throw new UnsupportedOperationException("s3:// stores are not wired into maas-spark yet (" + spec
            + "); use a file: path that every node sees, such as a mounted bucket");
      default:
        throw new IllegalStateException(spec.kind().toString());
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "(unknown)";
    }
  }
}
