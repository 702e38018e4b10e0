package dev.maas.storage.s3;

import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import dev.maas.store.CachingModelStore;
import dev.maas.store.ForwardingModelStore;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract kit against the combination users deploy: a {@link CachingModelStore} over S3. */
class CachedS3ModelStoreContractTest extends ModelStoreContractTest {
  private static final AtomicInteger STORES = new AtomicInteger();
  private static LocalS3 s3;
  private static String bucket;

  @TempDir Path temp;

  @BeforeAll
  static void startServer() {
    s3 = LocalS3.inMemory();
    bucket = s3.createBucket("contract-kit-cached");
  }

  @AfterAll
  static void stopServer() {
    s3.close();
  }

  @Override
  protected ModelStore createStore() {
    S3ModelStore s3Store = S3ModelStore.builder()
        .bucket(bucket)
        .prefix("kit/" + STORES.incrementAndGet())
        .endpoint(s3.endpoint())
        .credentialsProvider(s3.credentials())
        .build();
    CachingModelStore cache = CachingModelStore.builder(s3Store).directory(temp.resolve("cache"))
        .maximumBytes(16L << 20).build();
    // The kit closes the store it is given; the S3 store is ours to close, so close both.
    return new ClosingBoth(cache, s3Store);
  }

  /** The cache, closing the S3 store with it (the cache never closes what it wraps). */
  private static final class ClosingBoth extends ForwardingModelStore {
    private final S3ModelStore wrapped;

    ClosingBoth(CachingModelStore cache, S3ModelStore wrapped) {
      super(cache);
      this.wrapped = wrapped;
    }

    @Override
    public void close() {
      super.close();
      wrapped.close();
    }
  }
}
