package dev.maas.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compatibility kit for {@link ModelStore}: the behaviour every store must show, whatever
 * holds the bytes. A new store is done when a subclass of this class passes.
 *
 * <p>To use it, extend this class in the store's tests and implement {@link #createStore()} to
 * return a fresh, empty store for each test (the kit closes it afterwards). A store whose backend
 * is slow (a remote service) may shrink the concurrency tests by overriding {@link #raceThreads()},
 * {@link #raceVersions()} and {@link #casIncrementsPerThread()}; the defaults keep the whole kit
 * to a few seconds on a local disk.
 *
 * <p>What the kit does not cover, because it cannot see inside a store: that several processes
 * sharing one backend keep the guarantees (each store tests that itself), durability across a
 * crash, and {@link ModelStore#localBlobPath} beyond "empty or a readable copy of the blob", since
 * the default implementation returns empty for any argument.
 */
public abstract class ModelStoreContractTest {
  private static final String MODEL = "contract-model";

  private ModelStore store;
  private Path scratch;

  /**
   * Creates the store under test: new and empty, used by one test only.
   *
   * @return a store that no other test uses
   * @throws Exception if it cannot be created; the test then fails
   */
  protected abstract ModelStore createStore() throws Exception;

  /** How many threads race in the concurrency tests; 8 by default. */
  protected int raceThreads() {
    return 8;
  }

  /** How many versions the racing threads each try to create; 50 by default. */
  protected int raceVersions() {
    return 50;
  }

  /** How many successful compare-and-set increments each racing thread makes; 25 by default. */
  protected int casIncrementsPerThread() {
    return 25;
  }

  /** The store of the current test, for subclasses that add their own tests. */
  protected final ModelStore store() {
    return store;
  }

  @BeforeEach
  void createContractStore() throws Exception {
    store = createStore();
    scratch = Files.createTempDirectory("maas-store-kit-");
  }

  @AfterEach
  void closeContractStore() throws IOException {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      if (scratch != null) {
        try (Stream<Path> paths = Files.walk(scratch)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Blobs

  @Test
  void blobRoundTrip() throws IOException {
    byte[] content = randomBytes(200_000, 1);
    String digest = sha256(content);
    assertFalse(store.hasBlob(digest));

    store.putBlob(digest, file(content));

    assertTrue(store.hasBlob(digest));
    assertArrayEquals(content, readBlob(digest));
    Optional<Path> local = store.localBlobPath(digest);
    if (local.isPresent()) {
      assertArrayEquals(content, Files.readAllBytes(local.get()));
    }
  }

  @Test
  void emptyBlobRoundTrip() throws IOException {
    byte[] content = new byte[0];
    store.putBlob(sha256(content), file(content));
    assertArrayEquals(content, readBlob(sha256(content)));
  }

  @Test
  void putBlobIsIdempotent() throws IOException {
    byte[] content = randomBytes(10_000, 2);
    String digest = sha256(content);

    store.putBlob(digest, file(content));
    store.putBlob(digest, file(content));

    assertTrue(store.hasBlob(digest));
    assertArrayEquals(content, readBlob(digest));
  }

  @Test
  void putBlobWithWrongDigestStoresNothing() throws IOException {
    byte[] content = bytes("the real content");
    String actual = sha256(content);
    String claimed = sha256(bytes("something else"));

    IntegrityException e = assertThrows(IntegrityException.class, () -> store.putBlob(claimed, file(content)));

    assertTrue(e.getMessage().contains(claimed), () -> "message names the expected digest: " + e.getMessage());
    assertTrue(e.getMessage().contains(actual), () -> "message names the actual digest: " + e.getMessage());
    assertFalse(e.retryable());
    assertFalse(store.hasBlob(claimed));
    assertFalse(store.hasBlob(actual));
    assertEquals(Optional.empty(), store.localBlobPath(claimed));
    assertThrows(StoreException.class, () -> store.openBlob(claimed).close());
  }

  @Test
  void openBlobOfAbsentBlobIsStoreExceptionNamingTheDigest() {
    String digest = sha256(bytes("never stored"));

    StoreException e = assertThrows(StoreException.class, () -> store.openBlob(digest).close());

    assertTrue(e.getMessage().contains(digest), () -> "message names the digest: " + e.getMessage());
    assertFalse(store.hasBlob(digest));
    assertEquals(Optional.empty(), store.localBlobPath(digest));
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  @Test
  void createManifestOnlyIfAbsent() {
    assertTrue(store.createManifest(MODEL, 1, bytes("first")));
    assertFalse(store.createManifest(MODEL, 1, bytes("second")));

    assertArrayEquals(bytes("first"), store.readManifest(MODEL, 1).orElseThrow());
    assertEquals(List.of(1L), store.versions(MODEL));
  }

  @Test
  void manifestContentIsCopiedNotShared() {
    byte[] content = bytes("original");
    store.createManifest(MODEL, 1, content);
    content[0] = 'X';

    byte[] read = store.readManifest(MODEL, 1).orElseThrow();
    read[1] = 'X';

    assertArrayEquals(bytes("original"), store.readManifest(MODEL, 1).orElseThrow());
  }

  @Test
  void versionsAreSortedNumerically() {
    for (long version : new long[] {10, 2, 1, 100, 9}) {
      assertTrue(store.createManifest(MODEL, version, bytes("v" + version)));
    }

    assertEquals(List.of(1L, 2L, 9L, 10L, 100L), store.versions(MODEL));
    assertArrayEquals(bytes("v10"), store.readManifest(MODEL, 10).orElseThrow());
  }

  @Test
  void largeVersionNumbersRoundTrip() {
    assertTrue(store.createManifest(MODEL, Long.MAX_VALUE, bytes("max")));
    assertTrue(store.createManifest(MODEL, 3, bytes("three")));

    assertEquals(List.of(3L, Long.MAX_VALUE), store.versions(MODEL));
    assertArrayEquals(bytes("max"), store.readManifest(MODEL, Long.MAX_VALUE).orElseThrow());
  }

  @Test
  void absentManifestsAndModelsReadAsEmpty() {
    assertEquals(Optional.empty(), store.readManifest(MODEL, 1));
    assertEquals(List.of(), store.versions(MODEL));
    assertEquals(List.of(), store.aliases(MODEL));

    store.createManifest(MODEL, 1, bytes("one"));

    assertEquals(Optional.empty(), store.readManifest(MODEL, 2));
    assertEquals(Optional.empty(), store.readManifest("other-model", 1));
  }

  @Test
  void deleteManifestRemovesOnlyThatVersion() {
    store.createManifest(MODEL, 1, bytes("one"));
    store.createManifest(MODEL, 2, bytes("two"));

    assertTrue(store.deleteManifest(MODEL, 1));

    assertEquals(Optional.empty(), store.readManifest(MODEL, 1));
    assertEquals(List.of(2L), store.versions(MODEL));
    assertFalse(store.deleteManifest(MODEL, 1));
    assertFalse(store.deleteManifest("never-created", 1));
  }

  @Test
  void deletedVersionCanBeCreatedAgain() {
    store.createManifest(MODEL, 1, bytes("one"));
    store.deleteManifest(MODEL, 1);

    assertTrue(store.createManifest(MODEL, 1, bytes("one again")));
    assertArrayEquals(bytes("one again"), store.readManifest(MODEL, 1).orElseThrow());
  }

  @Test
  void modelsListsSortedNamesOfModelsWithVersions() {
    assertEquals(List.of(), store.models());

    store.createManifest("b-model", 1, bytes("b"));
    store.createManifest("a.model", 7, bytes("a"));
    store.createManifest("C_model", 1, bytes("c"));
    store.writeAlias("alias-only", "prod", bytes("no versions"), null);

    assertEquals(List.of("C_model", "a.model", "b-model"), store.models());

    store.deleteManifest("b-model", 1);
    assertEquals(List.of("C_model", "a.model"), store.models());
  }

  // ---------------------------------------------------------------------------------------------
  // Aliases

  @Test
  void createAliasWithNullEtag() {
    assertEquals(Optional.empty(), store.readAlias(MODEL, "prod"));

    assertTrue(store.writeAlias(MODEL, "prod", bytes("v1"), null));

    StoredDocument read = store.readAlias(MODEL, "prod").orElseThrow();
    assertArrayEquals(bytes("v1"), read.content());
    assertFalse(read.etag().isEmpty());
    assertEquals(List.of("prod"), store.aliases(MODEL));
  }

  @Test
  void createAliasFailsWhenItExists() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);

    assertFalse(store.writeAlias(MODEL, "prod", bytes("v2"), null));

    assertArrayEquals(bytes("v1"), store.readAlias(MODEL, "prod").orElseThrow().content());
  }

  @Test
  void compareAndSetWithCurrentEtagSucceeds() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);
    StoredDocument before = store.readAlias(MODEL, "prod").orElseThrow();

    assertTrue(store.writeAlias(MODEL, "prod", bytes("v2"), before.etag()));

    StoredDocument after = store.readAlias(MODEL, "prod").orElseThrow();
    assertArrayEquals(bytes("v2"), after.content());
    assertNotEquals(before.etag(), after.etag());
  }

  @Test
  void compareAndSetWithStaleEtagFailsAndLeavesContent() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);
    String stale = store.readAlias(MODEL, "prod").orElseThrow().etag();
    assertTrue(store.writeAlias(MODEL, "prod", bytes("v2"), stale));

    assertFalse(store.writeAlias(MODEL, "prod", bytes("v3"), stale));

    assertArrayEquals(bytes("v2"), store.readAlias(MODEL, "prod").orElseThrow().content());
  }

  @Test
  void compareAndSetOnAbsentAliasFails() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);
    String etag = store.readAlias(MODEL, "prod").orElseThrow().etag();

    assertFalse(store.writeAlias(MODEL, "canary", bytes("v1"), etag));

    assertEquals(Optional.empty(), store.readAlias(MODEL, "canary"));
    assertEquals(List.of("prod"), store.aliases(MODEL));
  }

  @Test
  void aliasesAreListedSortedPerModel() {
    store.writeAlias(MODEL, "staging", bytes("s"), null);
    store.writeAlias(MODEL, "canary", bytes("c"), null);
    store.writeAlias(MODEL, "prod", bytes("p"), null);
    store.writeAlias("other-model", "other", bytes("o"), null);

    assertEquals(List.of("canary", "prod", "staging"), store.aliases(MODEL));
    assertEquals(List.of("other"), store.aliases("other-model"));
  }

  @Test
  void deleteAliasWithCurrentEtag() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);
    String etag = store.readAlias(MODEL, "prod").orElseThrow().etag();

    assertTrue(store.deleteAlias(MODEL, "prod", etag));

    assertEquals(Optional.empty(), store.readAlias(MODEL, "prod"));
    assertEquals(List.of(), store.aliases(MODEL));
    assertFalse(store.deleteAlias(MODEL, "prod", etag));
    assertTrue(store.writeAlias(MODEL, "prod", bytes("v1 again"), null), "a deleted alias can be created again");
  }

  @Test
  void deleteAliasWithStaleEtagFailsAndLeavesIt() {
    store.writeAlias(MODEL, "prod", bytes("v1"), null);
    String stale = store.readAlias(MODEL, "prod").orElseThrow().etag();
    store.writeAlias(MODEL, "prod", bytes("v2"), stale);

    assertFalse(store.deleteAlias(MODEL, "prod", stale));
    assertFalse(store.deleteAlias(MODEL, "prod", "not-an-etag"));

    assertArrayEquals(bytes("v2"), store.readAlias(MODEL, "prod").orElseThrow().content());
  }

  @Test
  void deleteAbsentAliasIsFalse() {
    assertFalse(store.deleteAlias(MODEL, "prod", "any-etag"));
  }

  // ---------------------------------------------------------------------------------------------
  // Input validation: no name can reach outside the layout, whoever calls.

  static Stream<String> invalidNames() {
    return Stream.of(
        "..", ".", "a/b", "", "a".repeat(200), "../../etc", "..\\..\\etc", "a\\b", ".hidden", "-dash", "a b",
        "a:b", "caf\u00e9", "a\u0000b", null);
  }

  static Stream<String> invalidDigests() {
    String valid = sha256(bytes("x"));
    return Stream.concat(
        invalidNames(),
        Stream.of(valid.toUpperCase(), valid.substring(1), valid + "0", "g" + valid.substring(1), "../" + valid));
  }

  @ParameterizedTest
  @MethodSource("dev.maas.spi.ModelStoreContractTest#invalidNames")
  void invalidModelNamesAreRejectedEverywhere(String model) {
    assertInvalid(() -> store.versions(model));
    assertInvalid(() -> store.createManifest(model, 1, bytes("m")));
    assertInvalid(() -> store.readManifest(model, 1));
    assertInvalid(() -> store.deleteManifest(model, 1));
    assertInvalid(() -> store.aliases(model));
    assertInvalid(() -> store.readAlias(model, "prod"));
    assertInvalid(() -> store.writeAlias(model, "prod", bytes("a"), null));
    assertInvalid(() -> store.deleteAlias(model, "prod", "etag"));

    assertEquals(List.of(), store.models());
  }

  @ParameterizedTest
  @MethodSource("dev.maas.spi.ModelStoreContractTest#invalidNames")
  @ValueSource(strings = {"123", "0"})
  void invalidAliasNamesAreRejectedEverywhere(String alias) {
    assertInvalid(() -> store.readAlias(MODEL, alias));
    assertInvalid(() -> store.writeAlias(MODEL, alias, bytes("a"), null));
    assertInvalid(() -> store.deleteAlias(MODEL, alias, "etag"));

    assertEquals(List.of(), store.aliases(MODEL));
  }

  @ParameterizedTest
  @MethodSource("dev.maas.spi.ModelStoreContractTest#invalidDigests")
  void invalidDigestsAreRejectedEverywhere(String digest) throws IOException {
    Path file = file(bytes("x"));
    assertInvalid(() -> store.hasBlob(digest));
    assertInvalid(() -> store.putBlob(digest, file));
    assertInvalid(() -> store.openBlob(digest).close());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void invalidVersionsAreRejectedEverywhere(long version) {
    assertInvalid(() -> store.createManifest(MODEL, version, bytes("m")));
    assertInvalid(() -> store.readManifest(MODEL, version));
    assertInvalid(() -> store.deleteManifest(MODEL, version));

    assertEquals(List.of(), store.versions(MODEL));
  }

  @Test
  void missingArgumentsAreRejected() {
    assertInvalid(() -> store.putBlob(sha256(bytes("x")), null));
    assertInvalid(() -> store.createManifest(MODEL, 1, null));
    assertInvalid(() -> store.writeAlias(MODEL, "prod", null, null));
    assertInvalid(() -> store.deleteAlias(MODEL, "prod", null));

    assertEquals(List.of(), store.versions(MODEL));
    assertEquals(List.of(), store.aliases(MODEL));
  }

  // ---------------------------------------------------------------------------------------------
  // Concurrency

  @Test
  @Timeout(60)
  void racingCreatorsCreateEachVersionExactlyOnce() throws Exception {
    int threads = raceThreads();
    int versions = raceVersions();
    CyclicBarrier start = new CyclicBarrier(threads);

    List<List<Long>> won = runConcurrently(threads, thread -> {
      start.await(30, TimeUnit.SECONDS);
      List<Long> mine = new ArrayList<>();
      for (long version = 1; version <= versions; version++) {
        if (store.createManifest("race", version, raceContent(thread, version))) {
          mine.add(version);
        }
      }
      return mine;
    });

    Map<Long, Integer> winners = new HashMap<>();
    for (int thread = 0; thread < threads; thread++) {
      for (long version : won.get(thread)) {
        Integer earlier = winners.put(version, thread);
        assertNull(earlier, "version " + version + " was created by thread " + earlier + " and thread " + thread);
      }
    }
    List<Long> all = LongStream.rangeClosed(1, versions).boxed().toList();
    assertEquals(all, winners.keySet().stream().sorted().toList(), "every version created by exactly one thread");
    assertEquals(all, store.versions("race"));
    for (long version : all) {
      assertArrayEquals(
          raceContent(winners.get(version), version),
          store.readManifest("race", version).orElseThrow(),
          "version " + version + " holds its winner's content");
    }
  }

  @Test
  @Timeout(60)
  void racingCompareAndSetLosesNoUpdate() throws Exception {
    int threads = raceThreads();
    int increments = casIncrementsPerThread();
    CyclicBarrier start = new CyclicBarrier(threads);

    List<List<Long>> written = runConcurrently(threads, thread -> {
      start.await(30, TimeUnit.SECONDS);
      List<Long> mine = new ArrayList<>();
      while (mine.size() < increments) {
        if (Thread.interrupted()) {
          throw new InterruptedException("gave up after " + mine.size() + " increments");
        }
        Optional<StoredDocument> current = store.readAlias("counter-model", "counter");
        long next = current.map(doc -> Long.parseLong(new String(doc.content(), UTF_8))).orElse(0L) + 1;
        String etag = current.map(StoredDocument::etag).orElse(null);
        if (store.writeAlias("counter-model", "counter", bytes(Long.toString(next)), etag)) {
          mine.add(next);
        }
      }
      return mine;
    });

    long total = (long) threads * increments;
    List<Long> values = written.stream().flatMap(List::stream).sorted().toList();
    // Two writes of the same value would mean both read the same state and both won: a lost update.
    assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), values, "each successful write was an increment");
    assertArrayEquals(
        bytes(Long.toString(total)), store.readAlias("counter-model", "counter").orElseThrow().content());
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** A task for one racing thread, given its index. */
  @FunctionalInterface
  protected interface ThreadTask<T> {
    /** Runs on one of the racing threads. */
    T run(int thread) throws Exception;
  }

  /**
   * Runs {@code task} on {@code threads} threads at once and returns their results in thread order;
   * fails if any throws or if they take longer than a minute.
   */
  protected static <T> List<T> runConcurrently(int threads, ThreadTask<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int thread = i;
        futures.add(pool.submit((Callable<T>) () -> task.run(thread)));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new AssertionError("racing threads did not stop");
      }
    }
  }

  private static byte[] raceContent(int thread, long version) {
    return bytes("thread " + thread + " version " + version);
  }

  private static void assertInvalid(Executable call) {
    assertThrows(InvalidInputException.class, call);
  }

  private byte[] readBlob(String digest) throws IOException {
    try (InputStream in = store.openBlob(digest)) {
      return in.readAllBytes();
    }
  }

  /** Writes {@code content} to a new file outside the store, to pass to {@link ModelStore#putBlob}. */
  protected Path file(byte[] content) throws IOException {
    return Files.write(Files.createTempFile(scratch, "blob-", ".bin"), content);
  }

  /** The UTF-8 bytes of {@code text}. */
  protected static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  /** {@code size} pseudo-random bytes, the same for the same seed. */
  protected static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** The SHA-256 of {@code content} as 64 lower-case hex digits. */
  protected static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
