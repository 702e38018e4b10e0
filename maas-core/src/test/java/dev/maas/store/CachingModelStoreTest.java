package dev.maas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.maas.IntegrityException;
import dev.maas.spi.LocalBlob;
import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the store contract kit on a {@link CachingModelStore} over a {@link FileSystemModelStore},
 * and tests the cache itself: hits without the wrapped store (also after a restart), verification
 * on insert, the LRU bound, and two processes sharing one cache directory.
 */
class CachingModelStoreTest extends ModelStoreContractTest {
  private static final int KB = 1024;

  @TempDir Path temp;

  @Override
  protected ModelStore createStore() {
    return CachingModelStore.builder(FileSystemModelStore.open(temp.resolve("kit-store")))
        .directory(temp.resolve("kit-cache"))
        .maximumBytes(10L << 20)
        .build();
  }

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private CountingModelStore remote;

  private CountingModelStore remoteWith(byte[]... blobs) throws IOException {
    remote = new CountingModelStore(FileSystemModelStore.open(temp.resolve("remote")));
    for (byte[] blob : blobs) {
      remote.delegate.putBlob(sha256(blob), file(blob));
    }
    return remote;
  }

  private CachingModelStore cache(ModelStore delegate, long bound, Duration grace, Clock clock) {
    return CachingModelStore.builder(delegate).directory(temp.resolve("cache")).maximumBytes(bound)
        .evictionGrace(grace).clock(clock).build();
  }

  @Test
  void aMissDownloadsOnceAndHitsNeverAskTheWrappedStore() throws IOException {
    byte[] blob = randomBytes(300 * KB, 1);
    String digest = sha256(blob);
    CachingModelStore cache = cache(remoteWith(blob), 1 << 20, Duration.ZERO, Clock.systemUTC());

    Path first = cache.localBlobPath(digest).orElseThrow();
    int callsAfterMiss = remote.blobCalls();
    Path second = cache.localBlobPath(digest).orElseThrow();
    byte[] read;
    try (InputStream in = cache.openBlob(digest)) {
      read = in.readAllBytes();
    }

    assertEquals(1, remote.openBlob.get(), "downloaded once");
    assertEquals(callsAfterMiss, remote.blobCalls(), "hits made no call to the wrapped store");
    assertEquals(first, second);
    assertArrayEquals(blob, Files.readAllBytes(first));
    assertArrayEquals(blob, read);
    assertTrue(first.startsWith(cache.directory()));
  }

  @Test
  void aRestartServesCachedBlobsWithoutTheWrappedStore() throws IOException {
    byte[] blob = randomBytes(100 * KB, 2);
    String digest = sha256(blob);
    cache(remoteWith(blob), 1 << 20, Duration.ZERO, Clock.systemUTC()).localBlobPath(digest).orElseThrow();

    CountingModelStore afterRestart = new CountingModelStore(FileSystemModelStore.open(temp.resolve("remote")));
    CachingModelStore restarted = cache(afterRestart, 1 << 20, Duration.ZERO, Clock.systemUTC());

    assertArrayEquals(blob, Files.readAllBytes(restarted.localBlobPath(digest).orElseThrow()));
    try (InputStream in = restarted.openBlob(digest)) {
      assertArrayEquals(blob, in.readAllBytes());
    }
    assertEquals(0, afterRestart.blobCalls());
  }

  @Test
  void hasBlobAnswersForTheWrappedStoreSoADeployNeverSkipsAnUpload() throws IOException {
    byte[] blob = randomBytes(10 * KB, 5);
    String digest = sha256(blob);
    cache(remoteWith(blob), 1 << 20, Duration.ZERO, Clock.systemUTC()).localBlobPath(digest).orElseThrow();
    // The same cache directory in front of another store (a new bucket, a wiped one) that lacks the blob.
    CachingModelStore overEmpty = CachingModelStore.builder(FileSystemModelStore.open(temp.resolve("empty")))
        .directory(temp.resolve("cache")).maximumBytes(1 << 20).build();

    assertTrue(overEmpty.isCached(digest));
    assertFalse(overEmpty.hasBlob(digest), "the store other instances read does not have it");
    overEmpty.putBlob(digest, file(blob));
    assertTrue(FileSystemModelStore.open(temp.resolve("empty")).hasBlob(digest));
  }

  @Test
  void aBlobThatDoesNotMatchItsDigestIsNeverCached() throws IOException {
    byte[] blob = randomBytes(50 * KB, 3);
    String digest = sha256(blob);
    CachingModelStore cache = cache(remoteWith(blob), 1 << 20, Duration.ZERO, Clock.systemUTC());
    // Someone alters the blob in the wrapped store.
    Path stored = temp.resolve("remote/blobs/sha256/" + digest);
    byte[] altered = blob.clone();
    altered[1000] ^= 1;
    Files.write(stored, altered);

    IntegrityException e = assertThrows(IntegrityException.class, () -> cache.localBlobPath(digest));

    assertTrue(e.getMessage().contains(digest), e.getMessage());
    assertTrue(e.getMessage().contains(sha256(altered)), e.getMessage());
    assertFalse(e.retryable());
    assertFalse(cache.isCached(digest));
    assertEquals(List.of(), filesUnder(cache.directory().resolve("sha256")), "no entry and no temporary file left");
    // Repaired in the wrapped store: the next use caches it.
    Files.write(stored, blob);
    assertArrayEquals(blob, Files.readAllBytes(cache.localBlobPath(digest).orElseThrow()));
  }

  @Test
  void aTruncatedBlobIsNeverCached() throws IOException {
    byte[] blob = randomBytes(50 * KB, 4);
    String digest = sha256(blob);
    CachingModelStore cache = cache(remoteWith(blob), 1 << 20, Duration.ZERO, Clock.systemUTC());
    Files.write(temp.resolve("remote/blobs/sha256/" + digest), java.util.Arrays.copyOf(blob, blob.length / 2));

    assertThrows(IntegrityException.class, () -> cache.localBlobPath(digest));
    assertFalse(cache.isCached(digest));
  }

  @Test
  void leastRecentlyUsedEntriesAreEvictedToStayWithinTheBound() throws IOException {
    byte[] a = randomBytes(100 * KB, 10);
    byte[] b = randomBytes(100 * KB, 11);
    byte[] c = randomBytes(100 * KB, 12);
    byte[] d = randomBytes(100 * KB, 13);
    ManualClock clock = new ManualClock();
    CachingModelStore cache = cache(remoteWith(a, b, c, d), 300 * KB, Duration.ZERO, clock);

    for (byte[] blob : List.of(a, b, c)) {
      cache.localBlobPath(sha256(blob)).orElseThrow();
      clock.advance(Duration.ofSeconds(1));
    }
    cache.localBlobPath(sha256(a)).orElseThrow();   // a is now the most recently used
    clock.advance(Duration.ofSeconds(1));
    cache.localBlobPath(sha256(d)).orElseThrow();   // over the bound: b, the least recently used, goes

    assertTrue(cache.isCached(sha256(a)));
    assertFalse(cache.isCached(sha256(b)));
    assertTrue(cache.isCached(sha256(c)));
    assertTrue(cache.isCached(sha256(d)));
    assertEquals(300 * KB, cache.cachedBytes());
  }

  @Test
  void entriesUsedWithinTheGraceAreKeptEvenOverTheBound() throws IOException {
    byte[] a = randomBytes(100 * KB, 20);
    byte[] b = randomBytes(100 * KB, 21);
    byte[] c = randomBytes(100 * KB, 22);
    ManualClock clock = new ManualClock();
    CachingModelStore cache = cache(remoteWith(a, b, c), 200 * KB, Duration.ofMinutes(1), clock);

    cache.localBlobPath(sha256(a)).orElseThrow();
    clock.advance(Duration.ofSeconds(1));
    cache.localBlobPath(sha256(b)).orElseThrow();
    clock.advance(Duration.ofSeconds(10));
    cache.localBlobPath(sha256(c)).orElseThrow();

    assertEquals(300 * KB, cache.cachedBytes(), "a and b were handed out seconds ago: a reader may still open them");

    clock.advance(Duration.ofMinutes(2));
    cache.invalidate(sha256(c));
    cache.localBlobPath(sha256(c)).orElseThrow();

    assertEquals(200 * KB, cache.cachedBytes());
    assertFalse(cache.isCached(sha256(a)), "the oldest went once out of its grace");
    assertTrue(cache.isCached(sha256(c)));
  }

  @Test
  void aBlobLargerThanTheCacheStreamsFromTheWrappedStore() throws IOException {
    byte[] big = randomBytes(200 * KB, 30);
    String digest = sha256(big);
    CachingModelStore cache = cache(remoteWith(big), 100 * KB, Duration.ZERO, Clock.systemUTC());

    assertEquals(Optional.empty(), cache.localBlobPath(digest));
    try (InputStream in = cache.openBlob(digest)) {
      assertArrayEquals(big, in.readAllBytes());
    }
    assertFalse(cache.isCached(digest));
    assertEquals(List.of(), filesUnder(cache.directory().resolve("sha256")));
  }

  @Test
  void putBlobStoresInTheWrappedStoreAndCaches() throws IOException {
    byte[] blob = randomBytes(10 * KB, 40);
    String digest = sha256(blob);
    CachingModelStore cache = cache(remoteWith(), 1 << 20, Duration.ZERO, Clock.systemUTC());

    cache.putBlob(digest, file(blob));

    assertTrue(remote.delegate.hasBlob(digest));
    assertTrue(cache.isCached(digest));
    int calls = remote.blobCalls();
    assertArrayEquals(blob, Files.readAllBytes(cache.localBlobPath(digest).orElseThrow()));
    assertEquals(calls, remote.blobCalls());
  }

  @Test
  void aStoreThatFetchesIntoFilesFillsTheCacheWithoutAStream() throws IOException {
    byte[] blob = randomBytes(100 * KB, 50);
    String digest = sha256(blob);
    FileSystemModelStore files = FileSystemModelStore.open(temp.resolve("remote"));
    files.putBlob(digest, file(blob));
    FetchingModelStore fetching = new FetchingModelStore(files);
    CachingModelStore cache = cache(fetching, 1 << 20, Duration.ZERO, Clock.systemUTC());

    assertArrayEquals(blob, Files.readAllBytes(cache.localBlobPath(digest).orElseThrow()));
    cache.localBlobPath(digest).orElseThrow();

    assertEquals(1, fetching.fetches.get());
    assertEquals(0, fetching.counting().openBlob.get());
  }

  @Test
  void aFetchedBlobThatDoesNotMatchIsNeverCached() throws IOException {
    byte[] blob = randomBytes(100 * KB, 51);
    String digest = sha256(blob);
    FileSystemModelStore files = FileSystemModelStore.open(temp.resolve("remote"));
    files.putBlob(digest, file(blob));
    Files.write(temp.resolve("remote/blobs/sha256/" + digest), randomBytes(100 * KB, 52));
    CachingModelStore cache = cache(new FetchingModelStore(files), 1 << 20, Duration.ZERO, Clock.systemUTC());

    IntegrityException e = assertThrows(IntegrityException.class, () -> cache.localBlobPath(digest));

    assertTrue(e.getMessage().contains(digest), e.getMessage());
    assertFalse(cache.isCached(digest));
    assertEquals(List.of(), filesUnder(cache.directory().resolve("sha256")));
  }

  @Test
  void aFetchedBlobLargerThanTheCacheIsNotFetched() throws IOException {
    byte[] blob = randomBytes(200 * KB, 53);
    String digest = sha256(blob);
    FileSystemModelStore files = FileSystemModelStore.open(temp.resolve("remote"));
    files.putBlob(digest, file(blob));
    FetchingModelStore fetching = new FetchingModelStore(files);
    CachingModelStore cache = cache(fetching, 100 * KB, Duration.ZERO, Clock.systemUTC());

    assertEquals(Optional.empty(), cache.localBlobPath(digest));
    assertEquals(0, fetching.fetches.get());
    assertEquals(Optional.empty(), cache.localBlobPath(sha256(bytes("absent"))));
  }

  // ---------------------------------------------------------------------------------------------
  // Verification markers: what a hit trusts, and what it does not

  private CachingModelStore.Builder cacheBuilder(ModelStore delegate) {
    return CachingModelStore.builder(delegate).directory(temp.resolve("cache")).maximumBytes(1 << 20)
        .evictionGrace(Duration.ZERO);
  }

  private static Path markerOf(CachingModelStore cache, String digest) {
    return cache.directory().resolve("verified").resolve(digest);
  }

  /**
   * Writes other bytes over an entry in place, as a program or a person might; first waits out the
   * file system's timestamp tick (a few milliseconds), which a same-size write within would not move.
   */
  private static void alterInPlace(Path entry) throws IOException {
    try {
      Thread.sleep(30);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] content = Files.readAllBytes(entry);
    content[content.length / 2] ^= 1;
    Files.write(entry, content);
  }

  @Test
  void aFreshEntryAndItsHitsAreHandedOutVerifiedUnlessReverifyEveryUse() throws IOException {
    byte[] blob = randomBytes(100 * KB, 60);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();

    LocalBlob miss = cache.localBlob(digest).orElseThrow();
    LocalBlob hit = cache.localBlob(digest).orElseThrow();
    LocalBlob paranoid = cacheBuilder(remote).reverifyEveryUse(true).build().localBlob(digest).orElseThrow();

    assertTrue(miss.verified(), "verified while it was written: the service need not hash it again");
    assertTrue(hit.verified());
    assertFalse(paranoid.verified(), "reverifyEveryUse: the service hashes what it loads");
    assertEquals(miss.path(), paranoid.path());
    assertEquals(1, remote.openBlob.get());
    assertArrayEquals(blob, Files.readAllBytes(hit.path()));
  }

  @Test
  void aCacheFileAlteredAfterItsMarkerIsHashedAgainRemovedAndDownloadedAgain() throws IOException {
    byte[] blob = randomBytes(100 * KB, 61);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();

    alterInPlace(entry);
    LocalBlob after = cache.localBlob(digest).orElseThrow();

    assertTrue(after.verified());
    assertArrayEquals(blob, Files.readAllBytes(after.path()), "the altered file was never handed out");
    assertEquals(2, remote.openBlob.get(), "downloaded again");
  }

  @Test
  void aCacheFileAlteredWithItsModificationTimeResetIsStillCaught() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("unix"), "needs the change time");
    byte[] blob = randomBytes(100 * KB, 62);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();
    FileTime modified = Files.getLastModifiedTime(entry);

    alterInPlace(entry);
    Files.setLastModifiedTime(entry, modified);   // same size, same modification time: only the change time tells

    assertArrayEquals(blob, Files.readAllBytes(cache.localBlob(digest).orElseThrow().path()));
    assertEquals(2, remote.openBlob.get());
  }

  @Test
  void aCacheFileOfAnotherSizeIsNotTrusted() throws IOException {
    byte[] blob = randomBytes(100 * KB, 63);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();

    try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.WRITE)) {
      channel.truncate(blob.length / 2);
    }

    assertArrayEquals(blob, Files.readAllBytes(cache.localBlob(digest).orElseThrow().path()));
    assertEquals(2, remote.openBlob.get());
  }

  @Test
  void aCacheFileReplacedByAnotherIsNotTrusted() throws IOException {
    byte[] blob = randomBytes(100 * KB, 64);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();
    FileTime modified = Files.getLastModifiedTime(entry);
    byte[] other = blob.clone();
    other[7] ^= 1;

    Path replacement = Files.write(temp.resolve("replacement"), other);
    Files.setLastModifiedTime(replacement, modified);
    Files.move(replacement, entry, StandardCopyOption.REPLACE_EXISTING);

    assertArrayEquals(blob, Files.readAllBytes(cache.localBlob(digest).orElseThrow().path()));
    assertEquals(2, remote.openBlob.get());
  }

  @Test
  void anIntactEntryWhoseMarkerNoLongerMatchesIsHashedOnceAndTrustedAgainWithoutADownload() throws IOException {
    byte[] blob = randomBytes(100 * KB, 65);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();
    String markerBefore = Files.readString(markerOf(cache, digest));

    Files.setLastModifiedTime(entry, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));   // content untouched
    LocalBlob after = cache.localBlob(digest).orElseThrow();

    assertTrue(after.verified());
    assertEquals(1, remote.openBlob.get(), "intact: not downloaded again");
    assertFalse(markerBefore.equals(Files.readString(markerOf(cache, digest))), "a fresh marker");
    assertArrayEquals(blob, Files.readAllBytes(after.path()));
  }

  @Test
  void anEntryWithoutAMarkerIsCheckedOnceThenTrusted() throws IOException {
    byte[] blob = randomBytes(100 * KB, 66);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    cache.localBlob(digest).orElseThrow();
    Files.delete(markerOf(cache, digest));   // as an entry cached by an older version, or a crash before its marker
    Files.writeString(markerOf(cache, "0".repeat(64)), "a marker without an entry");

    assertTrue(cache.localBlob(digest).orElseThrow().verified());
    assertTrue(Files.exists(markerOf(cache, digest)));
    assertEquals(1, remote.openBlob.get());

    cache.invalidate(digest);
    assertFalse(Files.exists(markerOf(cache, digest)), "invalidate removes the marker too");
    cache.localBlob(digest).orElseThrow();   // an insert sweeps markers without an entry
    assertFalse(Files.exists(markerOf(cache, "0".repeat(64))));
  }

  @Test
  void aTornMarkerIsNotTrusted() throws IOException {
    byte[] blob = randomBytes(100 * KB, 67);
    String digest = sha256(blob);
    CachingModelStore cache = cacheBuilder(remoteWith(blob)).build();
    Path entry = cache.localBlob(digest).orElseThrow().path();
    String marker = Files.readString(markerOf(cache, digest));

    Files.writeString(markerOf(cache, digest), marker.substring(0, marker.length() / 2));
    alterInPlace(entry);

    assertArrayEquals(blob, Files.readAllBytes(cache.localBlob(digest).orElseThrow().path()));
    assertEquals(2, remote.openBlob.get());
  }

  /**
   * A crash of the machine can leave an unforced entry with its name, size and times right but its
   * content torn: its marker then matches the file. Simulated by rewriting the marker for the damaged
   * file; only the boot id tells the marker from the last boot, and the entry is hashed again.
   */
  @Test
  void afterARebootAnUnforcedTornEntryIsHashedAgainAndReplaced() throws IOException {
    byte[] blob = randomBytes(100 * KB, 68);
    String digest = sha256(blob);
    CachingModelStore beforeCrash = cacheBuilder(remoteWith(blob)).bootId("boot-1").build();
    Path entry = beforeCrash.localBlob(digest).orElseThrow().path();
    alterInPlace(entry);
    forgeMarkerFor(beforeCrash, digest, entry, "boot-1");

    assertTrue(beforeCrash.localBlob(digest).orElseThrow().verified(),
        "the same boot trusts a matching marker: a forged one is not caught (the documented trust model)");
    CachingModelStore afterReboot = cacheBuilder(remote).bootId("boot-2").build();
    LocalBlob served = afterReboot.localBlob(digest).orElseThrow();

    assertArrayEquals(blob, Files.readAllBytes(served.path()), "the torn entry was never handed out after the reboot");
    assertEquals(2, remote.openBlob.get());
    assertFalse(cacheBuilder(remote).bootId("boot-1").reverifyEveryUse(true).build().localBlob(digest).orElseThrow()
        .verified(), "reverifyEveryUse leaves the check to the service every time");
  }

  @Test
  void aForcedEntryIsTrustedAcrossAReboot() throws IOException {
    byte[] blob = randomBytes(100 * KB, 69);
    String digest = sha256(blob);
    cacheBuilder(remoteWith(blob)).bootId("boot-1").forceToDisk(true).build().localBlob(digest).orElseThrow();
    CachingModelStore afterReboot = cacheBuilder(remote).bootId("boot-2").build();
    String marker = Files.readString(markerOf(afterReboot, digest));

    assertTrue(afterReboot.localBlob(digest).orElseThrow().verified());
    assertEquals(marker, Files.readString(markerOf(afterReboot, digest)), "trusted as it was: not hashed again");
    assertTrue(marker.contains("durable"), marker);
    assertEquals(1, remote.openBlob.get());
  }

  @Test
  void anUnforcedEntryIsHashedOnceAfterARebootThenTrusted() throws IOException {
    byte[] blob = randomBytes(100 * KB, 70);
    String digest = sha256(blob);
    cacheBuilder(remoteWith(blob)).bootId("boot-1").build().localBlob(digest).orElseThrow();
    CachingModelStore afterReboot = cacheBuilder(remote).bootId("boot-2").build();

    assertTrue(afterReboot.localBlob(digest).orElseThrow().verified());
    String marker = Files.readString(markerOf(afterReboot, digest));
    assertTrue(marker.contains("boot-2"), marker);
    afterReboot.localBlob(digest).orElseThrow();
    assertEquals(marker, Files.readString(markerOf(afterReboot, digest)));
    assertEquals(1, remote.openBlob.get(), "intact: never downloaded again");
  }

  @Test
  void aTemporaryFileTornByACrashIsNeverServedAndIsRemovedLater() throws IOException {
    byte[] blob = randomBytes(100 * KB, 71);
    String digest = sha256(blob);
    ManualClock clock = new ManualClock();
    CachingModelStore cache = cacheBuilder(remoteWith(blob, randomBytes(10 * KB, 72))).clock(clock).build();
    Path torn = cache.directory().resolve("sha256/.tmp-0123456789abcdef");
    Files.write(torn, java.util.Arrays.copyOf(blob, blob.length / 3));   // a download that died half way
    Files.setLastModifiedTime(torn, FileTime.from(clock.instant()));

    assertFalse(cache.isCached(digest));
    assertArrayEquals(blob, Files.readAllBytes(cache.localBlob(digest).orElseThrow().path()));
    assertEquals(1, remote.openBlob.get());
    assertTrue(Files.exists(torn), "young: it may belong to a live download of another process");

    clock.advance(Duration.ofHours(2));
    cache.localBlob(sha256(randomBytes(10 * KB, 72))).orElseThrow();
    assertFalse(Files.exists(torn), "removed once stale");
  }

  /** Rewrites an entry's marker to match the file as it is now (what a crash or a forger can leave). */
  private static void forgeMarkerFor(CachingModelStore cache, String digest, Path entry, String validity)
      throws IOException {
    java.util.Map<String, Object> unix = Files.readAttributes(entry, "unix:size,lastModifiedTime,ctime,dev,ino");
    String text = "maas-cache-marker 1\n" + unix.get("size") + "\n"
        + ((FileTime) unix.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) + "\n"
        + ((FileTime) unix.get("ctime")).to(TimeUnit.NANOSECONDS) + "\n"
        + unix.get("dev") + ":" + unix.get("ino") + "\n" + validity + "\n";
    Files.writeString(markerOf(cache, digest), text);
  }

  @Test
  void builderRejectsBadSettingsAtOnce() {
    CachingModelStore.Builder builder = CachingModelStore.builder(FileSystemModelStore.open(temp.resolve("s")));
    assertThrows(IllegalArgumentException.class, () -> builder.maximumBytes(0));
    assertThrows(IllegalArgumentException.class, () -> builder.evictionGrace(Duration.ofSeconds(-1)));
    assertThrows(IllegalStateException.class, builder::build);
    assertThrows(NullPointerException.class, () -> CachingModelStore.builder(null));
    CachingModelStore cache = builder.directory(temp.resolve("c")).maximumBytes(1).build();
    assertThrows(IllegalArgumentException.class, () -> CachingModelStore.builder(cache));
  }

  // ---------------------------------------------------------------------------------------------
  // Two processes

  @Test
  @Timeout(120)
  void twoProcessesSharingTheCacheDownloadEachBlobOnce() throws Exception {
    List<String> digests = publish(24, 64 * KB);

    List<List<String>> outputs = raceTwoProcesses(digests, 100L << 20, Duration.ofMinutes(1), 2);

    int opens = 0;
    for (List<String> lines : outputs) {
      assertEquals(List.of(), lines.stream().filter(l -> l.startsWith("bad")).toList());
      opens += Integer.parseInt(lines.get(lines.size() - 1).substring("opens ".length()));
    }
    assertEquals(digests.size(), opens, "each blob downloaded by exactly one of the two processes, once");
    CachingModelStore cache = CachingModelStore.builder(FileSystemModelStore.open(temp.resolve("shared-store")))
        .directory(temp.resolve("shared-cache")).maximumBytes(100L << 20).build();
    for (String digest : digests) {
      assertEquals(digest, sha256(Files.readAllBytes(cache.localBlobPath(digest).orElseThrow())));
    }
    assertEquals(digests.size(), filesUnder(cache.directory().resolve("sha256")).size(), "no temporary files left");
  }

  @Test
  @Timeout(120)
  void twoProcessesEvictingKeepEveryReadCorrectAndTheBound() throws Exception {
    int size = 32 * KB;
    List<String> digests = publish(20, size);
    long bound = 6L * size;

    List<List<String>> outputs = raceTwoProcesses(digests, bound, Duration.ofMillis(200), 3);

    for (List<String> lines : outputs) {
      assertEquals(List.of(), lines.stream().filter(l -> l.startsWith("bad")).toList());
    }
    Thread.sleep(250);
    CachingModelStore cache = CachingModelStore.builder(FileSystemModelStore.open(temp.resolve("shared-store")))
        .directory(temp.resolve("shared-cache")).maximumBytes(bound).evictionGrace(Duration.ofMillis(200)).build();
    cache.invalidate(digests.get(0));
    cache.localBlobPath(digests.get(0)).orElseThrow();
    assertTrue(cache.cachedBytes() <= bound, () -> cache.cachedBytes() + " bytes cached, bound " + bound);
    for (String name : filesUnder(cache.directory().resolve("sha256"))) {
      assertEquals(name, sha256(Files.readAllBytes(cache.directory().resolve("sha256").resolve(name))),
          "every entry left holds its digest's content");
    }
  }

  /** Puts {@code count} random blobs in the shared store and returns their digests. */
  private List<String> publish(int count, int size) throws IOException {
    FileSystemModelStore shared = FileSystemModelStore.open(temp.resolve("shared-store"));
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] blob = randomBytes(size, 1000 + i);
      shared.putBlob(sha256(blob), file(blob));
      digests.add(sha256(blob));
    }
    return digests;
  }

  /** Starts two {@link CacheRaceChild} JVMs on one cache, lets them go at once, returns their output lines. */
  private List<List<String>> raceTwoProcesses(List<String> digests, long bound, Duration grace, int rounds)
      throws Exception {
    Path control = Files.createDirectories(temp.resolve("control"));
    Files.write(control.resolve("digests"), digests);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    try {
      for (int child = 0; child < 2; child++) {
        children.add(
            new ProcessBuilder(
                    java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    CacheRaceChild.class.getName(),
                    temp.resolve("shared-store").toString(), temp.resolve("shared-cache").toString(),
                    control.toString(), Integer.toString(child), Long.toString(bound),
                    Long.toString(grace.toMillis()), Integer.toString(rounds))
                .redirectOutput(control.resolve("out-" + child).toFile())
                .redirectError(control.resolve("err-" + child).toFile())
                .start());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(Files.exists(control.resolve("ready-0")) && Files.exists(control.resolve("ready-1")))) {
        for (int child = 0; child < 2; child++) {
          if (!children.get(child).isAlive()) {
            fail("child " + child + " exited early: " + Files.readString(control.resolve("err-" + child)));
          }
        }
        if (System.nanoTime() - deadline > 0) {
          fail("children not ready within 60 s");
        }
        Thread.sleep(5);
      }
      Files.createFile(control.resolve("go"));
      List<List<String>> outputs = new ArrayList<>();
      for (int child = 0; child < 2; child++) {
        Process process = children.get(child);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child " + child + " finished within 60 s");
        String stderr = Files.readString(control.resolve("err-" + child));
        assertEquals(0, process.exitValue(), () -> "child exit status; stderr: " + stderr);
        outputs.add(Files.readAllLines(control.resolve("out-" + child)).stream().filter(l -> !l.isBlank()).toList());
      }
      return outputs;
    } finally {
      for (Process child : children) {
        child.destroyForcibly();
      }
    }
  }

  private static List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
