package dev.maas.spark.internal;

import dev.maas.spark.StoreSpec;
import dev.maas.spi.ModelStore;
import dev.maas.storage.s3.S3ModelStore;
import dev.maas.store.CachingModelStore;
import java.nio.file.Path;

/**
 * Opens an {@code s3:} store: {@code maas-storage-s3}'s store behind the executor's verified local
 * blob cache. The only class that touches {@code maas-storage-s3}, an optional dependency: it is
 * loaded only when a job names an S3 store, so jobs on a shared filesystem need no AWS SDK.
 */
final class S3Stores {
  static final String S3_STORE_CLASS = "dev.maas.storage.s3.S3ModelStore";
  /** Under the executor's temporary directory when the spec names no cache directory. */
  static final String DEFAULT_CACHE = "maas-spark-cache";

  private S3Stores() {}

  /** Whether maas-storage-s3 is on this JVM's classpath. */
  static boolean available() {
    try {
      Class.forName(S3_STORE_CLASS, false, S3Stores.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * The S3 store of {@code spec} inside its local cache. Credentials come from the AWS SDK's
   * default provider chain. Closing the returned cache does not close the S3 store: {@link
   * Stores#close} closes both.
   */
  static CachingModelStore open(StoreSpec spec) {
    S3ModelStore.Builder b = S3ModelStore.builder().bucket(spec.bucket().orElseThrow()).prefix(spec.prefix().orElseThrow());
    spec.endpoint().ifPresent(b::endpoint);
    spec.region().ifPresent(b::region);
    b.pathStyle(spec.pathStyle());
    S3ModelStore s3 = b.build();
    try {
      Path directory = spec.cacheDirectory()
          .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), DEFAULT_CACHE));
      return CachingModelStore.builder(s3).directory(directory).maximumBytes(spec.cacheBytes()).build();
    } catch (RuntimeException | Error e) {
      s3.close();
      throw e;
    }
  }
}
