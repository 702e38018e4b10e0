package dev.maas.storage.s3;

import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract kit against {@link S3ModelStore} on a real S3 server (S3Proxy on 127.0.0.1). */
class S3ModelStoreContractTest extends ModelStoreContractTest {
  private static final AtomicInteger STORES = new AtomicInteger();
  private static LocalS3 s3;
  private static String bucket;

  @BeforeAll
  static void startServer() {
    s3 = LocalS3.inMemory();
    bucket = s3.createBucket("contract-kit");
  }

  @AfterAll
  static void stopServer() {
    s3.close();
  }

  /** Each test gets a fresh prefix in one bucket, so prefixes are exercised too. */
  @Override
  protected ModelStore createStore() {
    return S3ModelStore.builder()
        .bucket(bucket)
        .prefix("kit/" + STORES.incrementAndGet())
        .endpoint(s3.endpoint())
        .credentialsProvider(s3.credentials())
        .build();
  }
}
