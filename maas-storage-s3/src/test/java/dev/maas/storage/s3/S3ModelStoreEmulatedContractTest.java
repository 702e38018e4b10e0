package dev.maas.storage.s3;

import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract kit against {@link S3ModelStore} in the {@link ConditionalWrites#EMULATED}
 * mode, the fallback for servers without conditional writes: within one store instance the kit's
 * racing threads must still never overwrite each other.
 */
class S3ModelStoreEmulatedContractTest extends ModelStoreContractTest {
  private static final AtomicInteger STORES = new AtomicInteger();
  private static LocalS3 s3;
  private static String bucket;

  @BeforeAll
  static void startServer() {
    s3 = LocalS3.inMemory();
    bucket = s3.createBucket("contract-kit-emulated");
  }

  @AfterAll
  static void stopServer() {
    s3.close();
  }

  // Check-then-write under one lock per key is slow to contend on; a smaller race proves the same.
  @Override
  protected int raceVersions() {
    return 20;
  }

  @Override
  protected int casIncrementsPerThread() {
    return 10;
  }

  @Override
  protected ModelStore createStore() {
    return S3ModelStore.builder()
        .bucket(bucket)
        .prefix("kit/" + STORES.incrementAndGet())
        .endpoint(s3.endpoint())
        .credentialsProvider(s3.credentials())
        .conditionalWrites(ConditionalWrites.EMULATED)
        .build();
  }
}
