package dev.maas.storage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.ErrorCode;
import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ServiceClosedException;
import dev.maas.StoreException;
import dev.maas.spi.BlobFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What the contract kit cannot see: layout, ownership, transfers, faults, encryption, probing, errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3ModelStoreTest {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final int PART = (int) S3ModelStore.MIN_PART_SIZE;

  private static LocalS3 s3;
  private static String bucket;
  private static S3Client raw;

  @TempDir Path temp;

  @BeforeAll
  static void startServer() {
    s3 = LocalS3.inMemory();
    bucket = s3.createBucket("store-tests");
    raw = s3.newClient();
  }

  @AfterAll
  static void stopServer() {
    raw.close();
    s3.close();
  }

  private static S3ModelStore.Builder store() {
    return S3ModelStore.builder()
        .bucket(bucket)
        .prefix("t/" + PREFIXES.incrementAndGet())
        .endpoint(s3.endpoint())
        .credentialsProvider(s3.credentials())
        .partSize(PART);
  }

  // ---------------------------------------------------------------------------------------------
  // Layout and ownership

  @Test
  void theLayoutLivesUnderThePrefixAndTheProbeLeavesNothing() throws IOException {
    try (S3ModelStore store = store().build()) {
      byte[] blob = bytes("model bytes");
      store.putBlob(sha256(blob), file(blob));
      store.createManifest("resnet", 3, bytes("manifest"));
      store.writeAlias("resnet", "prod", bytes("alias"), null);

      assertEquals(
          Set.of(store.prefix() + "blobs/sha256/" + sha256(blob),
              store.prefix() + "models/resnet/versions/3.json",
              store.prefix() + "models/resnet/aliases/prod.json"),
          keysUnder(store.prefix()));
      assertTrue(store.describe().startsWith("s3://" + bucket + "/t/"), store.describe());
      assertTrue(store.describe().endsWith(" at " + s3.endpoint()), store.describe());
      assertTrue(store.usesConditionalWrites());
    }
  }

  @Test
  void listingsGoPastOnePageOfAThousandKeys() {
    try (S3ModelStore store = store().build()) {
      // Written with the plain client (the listing reads keys, not contents), in parallel: quicker.
      int versions = 1_005;
      int aliases = 1_003;
      int models = 1_002;
      java.util.stream.IntStream.rangeClosed(1, versions).parallel().forEach(v ->
          raw.putObject(r -> r.bucket(bucket).key(store.prefix() + "models/big/versions/" + v + ".json"),
              software.amazon.awssdk.core.sync.RequestBody.fromString("{}")));
      java.util.stream.IntStream.range(0, aliases).parallel().forEach(a ->
          raw.putObject(r -> r.bucket(bucket).key(store.prefix() + "models/big/aliases/a" + a + ".json"),
              software.amazon.awssdk.core.sync.RequestBody.fromString("{}")));
      java.util.stream.IntStream.range(0, models - 1).parallel().forEach(m ->
          raw.putObject(r -> r.bucket(bucket).key(store.prefix() + "models/m" + m + "/versions/1.json"),
              software.amazon.awssdk.core.sync.RequestBody.fromString("{}")));

      List<Long> listed = store.versions("big");
      assertEquals(versions, listed.size());
      assertEquals(java.util.stream.LongStream.rangeClosed(1, versions).boxed().toList(), listed);
      assertEquals(aliases, store.aliases("big").size());
      assertEquals(models, store.models().size(), "big and m0 to m1000, each with a version");
      assertTrue(store.models().contains("m1000"));
    }
  }

  @Test
  void aGivenClientIsUsedButNeverClosed() {
    try (S3Client mine = s3.newClient()) {
      S3ModelStore store = S3ModelStore.builder().bucket(bucket).prefix("given").client(mine).build();
      store.createManifest("m", 1, bytes("one"));
      store.close();
      store.close();

      assertEquals(1, mine.listObjectsV2(r -> r.bucket(bucket).prefix("given/models/")).contents().size(),
          "the client still works after the store closed");
      assertThrows(ServiceClosedException.class, () -> store.versions("m"));
    }
  }

  @Test
  void theBuilderRejectsBadAndConflictingSettingsAtOnce() {
    try (S3Client mine = s3.newClient()) {
      assertThrows(IllegalStateException.class, () -> S3ModelStore.builder().client(mine).endpoint(s3.endpoint()));
      assertThrows(IllegalStateException.class, () -> S3ModelStore.builder().client(mine).region("eu-west-1"));
      assertThrows(IllegalStateException.class, () -> S3ModelStore.builder().endpoint(s3.endpoint()).client(mine));
      assertThrows(IllegalStateException.class,
          () -> S3ModelStore.builder().credentialsProvider(s3.credentials()).client(mine));
    }
    S3ModelStore.Builder b = S3ModelStore.builder();
    assertThrows(IllegalArgumentException.class, () -> b.bucket("a/b"));
    assertThrows(IllegalArgumentException.class, () -> b.bucket(" "));
    assertThrows(InvalidInputException.class, () -> b.prefix("../escape"));
    assertThrows(InvalidInputException.class, () -> b.prefix("a//b"));
    assertThrows(IllegalArgumentException.class, () -> b.partSize(S3ModelStore.MIN_PART_SIZE - 1));
    assertThrows(IllegalArgumentException.class, () -> b.parallelism(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0));
    assertThrows(IllegalArgumentException.class, () -> b.stallTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.endpoint(URI.create("ftp://host")));
    assertThrows(IllegalArgumentException.class, () -> b.endpoint(URI.create("http://user:secret@host")));
    assertThrows(InvalidInputException.class, () -> S3Encryption.kms(" "));
    assertThrows(IllegalStateException.class, b::build, "no bucket");
  }

  // ---------------------------------------------------------------------------------------------
  // Transfers

  @Test
  void largeBlobsGoUpInParallelPartsAndComeDownInRanges() throws IOException {
    RecordingInterceptor requests = new RecordingInterceptor(false);
    try (S3Client client = s3.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(requests)).build();
         S3ModelStore store = S3ModelStore.builder().bucket(bucket).prefix("parts").client(client).partSize(PART)
             .build()) {
      byte[] blob = randomBytes(3 * PART + 12345, 1);
      String digest = sha256(blob);

      store.putBlob(digest, file(blob));
      store.putBlob(digest, file(blob));
      byte[] read = readAll(store.openBlob(digest));

      assertArrayEquals(blob, read);
      List<RecordingInterceptor.Sent> sent = requests.sent();
      assertEquals(4, sent.stream().filter(r -> r.query().containsKey("partNumber")).count(), "four parts");
      assertEquals(1, sent.stream().filter(r -> r.query().containsKey("uploads")).count(),
          "one multipart upload: the second put found the blob present");
      assertEquals(4, sent.stream().filter(r -> r.method().equals("GET") && r.hasHeader("Range")).count(),
          "four ranged GETs");
      assertTrue(sent.stream().filter(r -> r.hasHeader("Range")).allMatch(r -> r.hasHeader("If-Match")),
          "every range is pinned to the ETag read first");
    }
  }

  @Test
  void aBlobWhoseDigestDoesNotMatchIsNeverCompleted() throws IOException {
    try (S3ModelStore store = store().build()) {
      byte[] blob = randomBytes(2 * PART + 1, 2);
      String claimed = sha256(bytes("something else"));

      IntegrityException e = assertThrows(IntegrityException.class, () -> store.putBlob(claimed, file(blob)));

      assertTrue(e.getMessage().contains(sha256(blob)), e.getMessage());
      assertFalse(store.hasBlob(claimed));
      assertEquals(List.of(), raw.listMultipartUploads(r -> r.bucket(bucket).prefix(store.prefix())).uploads(),
          "the multipart upload was aborted");
    }
  }

  @Test
  void progressIsReportedForUploadsAndDownloads() throws IOException {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    List<TransferProgress> completed = Collections.synchronizedList(new ArrayList<>());
    TransferListener listener = new TransferListener() {
      @Override
      public void transferStarted(TransferProgress p) {
        events.add("started " + p.direction() + " " + p.bytesDone() + "/" + p.bytesTotal());
      }

      @Override
      public void bytesTransferred(TransferProgress p) {
        events.add("progress " + p.direction());
        assertTrue(p.bytesPerSecond() >= 0 && p.fraction() <= 1);
      }

      @Override
      public void transferCompleted(TransferProgress p) {
        completed.add(p);
      }
    };
    try (S3ModelStore store = store().transferListener(listener).build()) {
      byte[] blob = randomBytes(2 * PART + 100, 3);
      store.putBlob(sha256(blob), file(blob));
      readAll(store.openBlob(sha256(blob)));
    }

    assertTrue(events.contains("started UPLOAD 0/" + (2 * PART + 100)), events.toString());
    assertTrue(events.contains("started DOWNLOAD 0/" + (2 * PART + 100)), events.toString());
    assertTrue(events.stream().filter(e -> e.equals("progress DOWNLOAD")).count() >= 5, events.toString());
    assertEquals(2, completed.size());
    for (TransferProgress p : completed) {
      assertEquals(p.bytesTotal(), p.bytesDone());
      assertEquals(1.0, p.fraction());
    }
  }

  @Test
  void aListenerThatThrowsDoesNotBreakTheTransfer() throws IOException {
    TransferListener broken = new TransferListener() {
      @Override
      public void transferStarted(TransferProgress p) {
        throw new IllegalStateException("listener bug");
      }
    };
    try (S3ModelStore store = store().transferListener(broken).build()) {
      byte[] blob = randomBytes(1000, 4);
      store.putBlob(sha256(blob), file(blob));
      assertArrayEquals(blob, readAll(store.openBlob(sha256(blob))));
    }
  }

  @Test
  void aStalledDownloadIsAbortedAndResumed() throws IOException {
    try (S3ModelStore store = store().stallTimeout(Duration.ofMillis(500)).build()) {
      // One range only: with two, the short one could take the single stall and never reach it.
      byte[] blob = randomBytes(300_000, 5);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      s3.stallGets(key -> key.endsWith(digest), 100_000, 1);
      try {
        long start = System.nanoTime();
        byte[] read = readAll(store.openBlob(digest));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertArrayEquals(blob, read);
        assertTrue(millis >= 400, "waited for the stall timeout, took " + millis + " ms");
      } finally {
        s3.releaseStalls();
      }
    }
  }

  @Test
  void aDownloadThatKeepsStallingFailsInBoundedTimeNamingTheBucket() throws IOException {
    try (S3ModelStore store = store().stallTimeout(Duration.ofMillis(300)).maxAttempts(2).build()) {
      byte[] blob = randomBytes(300_000, 6);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      // Past the server's output buffer, so the response has started when the body stalls.
      s3.stallGets(key -> key.endsWith(digest), 100_000, 100);
      try {
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> readAll(store.openBlob(digest)));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(e.getMessage().contains("s3://" + bucket + "/"), e.getMessage());
        assertTrue(e.getMessage().contains("received nothing"), e.getMessage());
        assertTrue(e.getMessage().contains("2 attempts"), e.getMessage());
        assertTrue(millis < 10_000, "gave up in " + millis + " ms");
      } finally {
        s3.releaseStalls();
      }
    }
  }

  @Test
  void aConnectionCutShortIsResumedFromTheByteReached() throws IOException {
    try (S3ModelStore store = store().build()) {
      byte[] blob = randomBytes(2 * PART, 7);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      s3.cutGets(key -> key.endsWith(digest), 70_000, 2);
      s3.clearRequests();
      try {
        assertArrayEquals(blob, readAll(store.openBlob(digest)));
      } finally {
        s3.releaseStalls();
      }
      long gets = s3.requests().stream().filter(r -> r.startsWith("GET ") && r.endsWith(digest)).count();
      assertEquals(4, gets, "two ranges, two of them cut and resumed: " + s3.requests());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Server-side encryption and conditional writes

  @Test
  void serverSideEncryptionIsAskedForOnEveryWrite() throws IOException {
    for (S3Encryption encryption : List.of(S3Encryption.kms("key-1"), S3Encryption.s3Managed())) {
      RecordingInterceptor requests = new RecordingInterceptor(false);
      try (S3Client client = s3.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(requests))
              .build();
           S3ModelStore store = S3ModelStore.builder().bucket(bucket).prefix("sse/" + PREFIXES.incrementAndGet())
               .client(client).partSize(PART).encryption(encryption).build()) {
        byte[] small = randomBytes(100, 8);
        byte[] large = randomBytes(PART + 1, 9);
        requests.clear();
        store.putBlob(sha256(small), file(small));
        store.putBlob(sha256(large), file(large));
        store.createManifest("m", 1, bytes("one"));
        store.writeAlias("m", "prod", bytes("p"), null);

        String expected = encryption.kind() == S3Encryption.Kind.KMS ? "aws:kms" : "AES256";
        List<RecordingInterceptor.Sent> writes = requests.sent().stream()
            .filter(r -> r.method().equals("PUT") && !r.query().containsKey("partNumber")
                || r.query().containsKey("uploads"))
            .toList();
        assertEquals(4, writes.size(), writes.toString());
        for (RecordingInterceptor.Sent write : writes) {
          assertTrue(write.hasHeader("x-amz-server-side-encryption", expected), write.toString());
          assertEquals(encryption.kind() == S3Encryption.Kind.KMS,
              write.hasHeader("x-amz-server-side-encryption-aws-kms-key-id", "key-1"), write.toString());
        }
        assertArrayEquals(large, readAll(store.openBlob(sha256(large))));
      }
    }
  }

  @Test
  void aServerThatIgnoresConditionalHeadersIsDetectedAndTheFallbackIsLogged() {
    RecordingInterceptor dropper = new RecordingInterceptor(true);
    try (S3Client client = s3.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(dropper)).build();
         LogCapture logs = new LogCapture()) {
      try (S3ModelStore detected = S3ModelStore.builder().bucket(bucket).prefix("dropped").client(client).build()) {
        assertFalse(detected.usesConditionalWrites());
        assertTrue(logs.warnings("dev.maas").stream().anyMatch(w -> w.contains("does not honour conditional writes")
            && w.contains("EMULATED") && w.contains(bucket)), logs.warnings("dev.maas").toString());
        // The fallback still keeps this process's own writers apart.
        assertTrue(detected.createManifest("m", 1, bytes("first")));
        assertFalse(detected.createManifest("m", 1, bytes("second")));
      }
      MaasException e = assertThrows(MaasException.class, () -> S3ModelStore.builder().bucket(bucket)
          .prefix("dropped").client(client).conditionalWrites(ConditionalWrites.REQUIRED).build());
      assertFalse(e.retryable());
      assertTrue(e.getMessage().contains("does not honour conditional writes"), e.getMessage());

      dropper.clear();
      try (S3ModelStore emulated = S3ModelStore.builder().bucket(bucket).prefix("dropped").client(client)
          .conditionalWrites(ConditionalWrites.EMULATED).build()) {
        assertFalse(emulated.usesConditionalWrites());
        assertEquals(List.of("GET"), dropper.sent().stream().map(RecordingInterceptor.Sent::method).toList(),
            "no probe: only the access check");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  @Test
  void wrongCredentialsFailClearlyNamingTheBucketAndNoSecretIsEverLogged() {
    String wrongSecret = "wrong-secret-" + new Random().nextLong();
    String wrongKeyId = "AKIAWRONGKEYID" + Math.abs(new Random().nextInt());
    try (LogCapture logs = new LogCapture()) {
      for (AwsCredentialsProvider provider : List.of(
          StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalS3.ACCESS_KEY, wrongSecret)),
          StaticCredentialsProvider.create(AwsBasicCredentials.create(wrongKeyId, wrongSecret)))) {
        MaasException e = assertThrows(MaasException.class, () -> S3ModelStore.builder().bucket(bucket)
            .endpoint(s3.endpoint()).credentialsProvider(provider).build());

        assertEquals(ErrorCode.STORE_UNAVAILABLE, e.code());
        assertFalse(e.retryable(), "a retry cannot fix credentials");
        assertTrue(e.getMessage().contains("bucket '" + bucket + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("credentials"), e.getMessage());
        assertNoneContains(chain(e), wrongSecret, wrongKeyId, s3.secretKey());
      }

      // Credentials that go bad after start-up (a rotated key): same clear error on the next call.
      AtomicBoolean rotated = new AtomicBoolean();
      AwsCredentialsProvider rotating = () -> rotated.get()
          ? AwsBasicCredentials.create(LocalS3.ACCESS_KEY, wrongSecret)
          : s3.credentials().resolveCredentials();
      try (S3ModelStore store = store().credentialsProvider(rotating).build()) {
        store.createManifest("m", 1, bytes("one"));
        rotated.set(true);
        MaasException e = assertThrows(MaasException.class, () -> store.readManifest("m", 1));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains(bucket), e.getMessage());
        assertNoneContains(chain(e), wrongSecret, s3.secretKey());
      }

      List<String> lines = logs.lines();
      assertFalse(lines.isEmpty(), "the capture saw the SDK's and the server's logs");
      assertNoneContains(lines, wrongSecret, s3.secretKey());
    }
  }

  @Test
  void aMissingBucketIsAClearErrorThatARetryCannotFix() {
    MaasException e = assertThrows(MaasException.class, () -> S3ModelStore.builder().bucket("no-such-bucket")
        .endpoint(s3.endpoint()).credentialsProvider(s3.credentials()).build());

    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("bucket 'no-such-bucket' does not exist"), e.getMessage());
  }

  @Test
  void anUnreachableServerIsARetryableStoreExceptionNamingTheBucket() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    long start = System.nanoTime();
    StoreException e = assertThrows(StoreException.class, () -> S3ModelStore.builder().bucket(bucket)
        .endpoint(URI.create("http://127.0.0.1:" + closedPort)).credentialsProvider(s3.credentials())
        .connectTimeout(Duration.ofSeconds(1)).maxAttempts(2).build());

    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("bucket '" + bucket + "'"), e.getMessage());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void aCacheFillMakesOneHeadRequest() throws IOException {
    RecordingInterceptor requests = new RecordingInterceptor(false);
    try (S3Client client = s3.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(requests)).build();
         S3ModelStore store = S3ModelStore.builder().bucket(bucket).prefix("one-head").client(client).partSize(PART)
             .build()) {
      byte[] blob = randomBytes(2 * PART + 7, 12);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      requests.clear();
      dev.maas.store.CachingModelStore cache = dev.maas.store.CachingModelStore.builder(store)
          .directory(temp.resolve("one-head-cache")).maximumBytes(64L << 20).build();

      assertArrayEquals(blob, Files.readAllBytes(cache.localBlobPath(digest).orElseThrow()));

      List<RecordingInterceptor.Sent> sent = requests.sent();
      assertEquals(1, sent.stream().filter(r -> r.method().equals("HEAD")).count(), "one HEAD serves the size check and the fetch");
      assertEquals(3, sent.stream().filter(r -> r.method().equals("GET") && r.hasHeader("If-Match")).count());
    }
  }

  @Test
  void fetchBlobWritesWhatFitsAndSaysWhatItFound() throws IOException {
    try (S3ModelStore store = store().build()) {
      byte[] blob = randomBytes(PART + 10, 13);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      Path target = Files.createFile(temp.resolve("fetched"));

      assertEquals(Optional.empty(), store.fetchBlob(sha256(new byte[] {1}), target, Long.MAX_VALUE), "not in the bucket");
      assertEquals(Optional.of(new BlobFetcher.Fetched(blob.length, null)), store.fetchBlob(digest, target, blob.length - 1));
      assertEquals(0, Files.size(target), "a blob over the bound is not written");
      assertEquals(Optional.of(new BlobFetcher.Fetched(blob.length, digest)), store.fetchBlob(digest, target, blob.length));
      assertArrayEquals(blob, Files.readAllBytes(target));
    }
  }


  @Test
  void aBlobReplacedDuringADownloadIsNotStitchedTogether() throws IOException {
    try (S3ModelStore store = store().build()) {
      byte[] blob = randomBytes(PART + 10, 10);
      String digest = sha256(blob);
      store.putBlob(digest, file(blob));
      String key = store.prefix() + "blobs/sha256/" + digest;
      InputStream in = store.openBlob(digest);
      raw.putObject(r -> r.bucket(bucket).key(key),
          software.amazon.awssdk.core.sync.RequestBody.fromBytes(randomBytes(PART + 10, 11)));

      StoreException e = assertThrows(StoreException.class, () -> readAll(in));
      assertTrue(e.retryable());
      assertTrue(e.getMessage().contains("replaced while it was being downloaded"), e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static List<String> chain(Throwable e) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
      messages.add(t.toString());
    }
    return messages;
  }

  private static void assertNoneContains(List<String> lines, String... secrets) {
    for (String line : lines) {
      for (String secret : secrets) {
        assertFalse(line.contains(secret), () -> "a secret appears in: " + line);
      }
    }
  }

  private static Set<String> keysUnder(String prefix) {
    Set<String> keys = new TreeSet<>();
    for (S3Object object : raw.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
      keys.add(object.key());
    }
    return keys;
  }

  private Path file(byte[] content) throws IOException {
    return Files.write(Files.createTempFile(temp, "blob-", ".bin"), content);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
