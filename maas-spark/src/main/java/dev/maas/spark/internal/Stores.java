package dev.maas.spark.internal;

import dev.maas.StoreException;
import dev.maas.spark.StoreSpec;
import dev.maas.spi.ModelStore;
import dev.maas.store.CachingModelStore;
import dev.maas.store.FileSystemModelStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the store a {@link StoreSpec} describes, on whichever JVM asks: a {@code
 * FileSystemModelStore}, or for S3 maas-storage-s3's store behind a verified local blob cache.
 */
public final class Stores {
  private Stores() {}

  /**
   * Opens the store. The caller owns it and closes it.
   *
   * @throws StoreException if a {@code file:} directory does not exist here, or an {@code s3:}
   *     store is named but maas-storage-s3 is not on the classpath
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
        if (!S3Stores.available()) {
          throw new StoreException("the model store " + spec + " is on S3, but maas-storage-s3 is not on the"
              + " classpath of host " + host() + ": ship it with the job (spark-submit --packages"
              + " dev.maas:maas-storage-s3:<version>, or --jars with its dependencies)");
        }
        return S3Stores.open(spec);
      default:
        throw new IllegalStateException(spec.kind().toString());
    }
  }

  /**
   * Closes a store {@link #open} returned, and the S3 store inside an S3 spec's cache (a cache
   * leaves the store it wraps to its owner, which is us).
   */
  public static void close(ModelStore store) {
    try {
      store.close();
    } finally {
      if (store instanceof CachingModelStore cache) {
        cache.delegate().close();
      }
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
