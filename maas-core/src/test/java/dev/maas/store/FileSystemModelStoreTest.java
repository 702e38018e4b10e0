package dev.maas.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.maas.InvalidInputException;
import dev.maas.StoreException;
import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import dev.maas.spi.StoredDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the store contract kit on {@link FileSystemModelStore} and adds what only a filesystem has. */
class FileSystemModelStoreTest extends ModelStoreContractTest {
  @TempDir Path temp;

  @Override
  protected ModelStore createStore() {
    return FileSystemModelStore.open(temp.resolve("kit-store"));
  }

  @Test
  void layoutIsExactlyAsSpecified() throws IOException {
    Path root = temp.resolve("store");
    FileSystemModelStore store = FileSystemModelStore.open(root);
    byte[] blob = bytes("model bytes");
    String digest = sha256(blob);

    store.putBlob(digest, file(blob));
    store.createManifest("resnet", 3, bytes("manifest"));
    store.writeAlias("resnet", "prod", bytes("alias"), null);

    assertEquals(
        Set.of(
            "blobs/sha256/" + digest,
            "models/resnet/versions/3.json",
            "models/resnet/aliases/prod.json",
            "models/resnet/aliases/.lock"),
        filesUnder(root));
    assertArrayEquals(blob, Files.readAllBytes(root.resolve("blobs/sha256/" + digest)));
    assertArrayEquals(bytes("manifest"), Files.readAllBytes(root.resolve("models/resnet/versions/3.json")));
    assertArrayEquals(bytes("alias"), Files.readAllBytes(root.resolve("models/resnet/aliases/prod.json")));
    assertTrue(Files.isSameFile(root.resolve("blobs/sha256/" + digest), store.localBlobPath(digest).orElseThrow()));
  }

  @Test
  void aliasEtagIsTheSha256OfItsContent() {
    FileSystemModelStore store = FileSystemModelStore.open(temp.resolve("store"));
    store.writeAlias("m", "prod", bytes("v1"), null);

    assertEquals(sha256(bytes("v1")), store.readAlias("m", "prod").orElseThrow().etag());
  }

  @Test
  void openCreatesTheRootAndDescribeNamesIt() throws IOException {
    Path root = temp.resolve("a/b/c");

    FileSystemModelStore store = FileSystemModelStore.open(root);

    assertTrue(Files.isDirectory(root.resolve("blobs/sha256")));
    assertTrue(Files.isDirectory(root.resolve("models")));
    assertEquals("file:" + root.toRealPath(), store.describe());
    assertTrue(Path.of(store.describe().substring("file:".length())).isAbsolute());
    assertEquals(List.of(), store.models());
    store.close();
    store.close();
  }

  @Test
  void openOnAFileIsStoreException() throws IOException {
    Path file = Files.writeString(temp.resolve("not-a-dir"), "x");

    StoreException e = assertThrows(StoreException.class, () -> FileSystemModelStore.open(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.retryable());
    assertThrows(InvalidInputException.class, () -> FileSystemModelStore.open(null));
  }

  @Test
  void putBlobFromMissingFileIsStoreExceptionNamingIt() {
    FileSystemModelStore store = FileSystemModelStore.open(temp.resolve("store"));
    Path missing = temp.resolve("missing.onnx");

    StoreException e = assertThrows(StoreException.class, () -> store.putBlob(sha256(bytes("x")), missing));

    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getCause() instanceof IOException);
  }

  @Test
  void localBlobPathValidatesItsArgument() {
    FileSystemModelStore store = FileSystemModelStore.open(temp.resolve("store"));

    assertThrows(InvalidInputException.class, () -> store.localBlobPath("../../etc/passwd"));
    assertThrows(InvalidInputException.class, () -> store.localBlobPath(null));
    assertEquals(Optional.empty(), store.localBlobPath(sha256(bytes("absent"))));
  }

  @Test
  void rejectedNamesCreateNothingAnywhere() throws IOException {
    Path root = temp.resolve("store");
    FileSystemModelStore store = FileSystemModelStore.open(root);
    Set<String> before = filesUnder(temp);

    for (String name : List.of("../escape", "..", "../../etc", "a/b", "/abs")) {
      assertThrows(InvalidInputException.class, () -> store.createManifest(name, 1, bytes("x")));
      assertThrows(InvalidInputException.class, () -> store.writeAlias(name, "prod", bytes("x"), null));
      assertThrows(InvalidInputException.class, () -> store.writeAlias("m", name, bytes("x"), null));
      assertThrows(InvalidInputException.class, () -> store.putBlob(name, file(bytes("x"))));
    }

    assertEquals(before, filesUnder(temp));
    assertFalse(Files.exists(temp.resolve("escape")));
  }

  @Test
  void leftoverTempAndStrayFilesAreIgnored() throws IOException {
    Path root = temp.resolve("store");
    FileSystemModelStore store = FileSystemModelStore.open(root);
    store.createManifest("m", 1, bytes("one"));
    store.writeAlias("m", "prod", bytes("p"), null);
    // What a crashed writer, or someone else, might leave behind.
    Path versions = root.resolve("models/m/versions");
    Path aliases = root.resolve("models/m/aliases");
    for (Path stray :
        List.of(
            versions.resolve(".tmp-5d1e"),
            versions.resolve(".tmp-2.json"),
            versions.resolve("01.json"),
            versions.resolve("0.json"),
            versions.resolve("-3.json"),
            versions.resolve("99999999999999999999.json"),
            versions.resolve("4.json.partial"),
            versions.resolve("notes.txt"),
            aliases.resolve(".tmp-9f00"),
            aliases.resolve(".tmp-canary.json"),
            aliases.resolve("123.json"),
            aliases.resolve("README"),
            root.resolve("blobs/sha256/.tmp-77"),
            root.resolve("models/.tmp-file"),
            root.resolve("models/.tmp-dir/versions/1.json"),
            root.resolve("models/not a name/versions/1.json"),
            root.resolve("models/no-versions/aliases/prod.json"),
            root.resolve("models/versions-is-a-file/versions"))) {
      Files.createDirectories(stray.getParent());
      Files.writeString(stray, "partial garbage");
    }

    assertEquals(List.of("m"), store.models());
    assertEquals(List.of(1L), store.versions("m"));
    assertEquals(List.of("prod"), store.aliases("m"));
    assertEquals(List.of(), store.versions("versions-is-a-file"));
    assertArrayEquals(bytes("p"), store.readAlias("m", "prod").orElseThrow().content());
    assertTrue(store.createManifest("m", 2, bytes("two")), "writers are not blocked by leftovers");
    assertEquals(List.of(1L, 2L), store.versions("m"));
  }

  @Test
  void writesLeaveNoTempFiles() throws IOException {
    Path root = temp.resolve("store");
    FileSystemModelStore store = FileSystemModelStore.open(root);
    byte[] blob = bytes("blob");

    store.putBlob(sha256(blob), file(blob));
    store.putBlob(sha256(blob), file(blob));
    assertThrows(RuntimeException.class, () -> store.putBlob(sha256(bytes("other")), file(blob)));
    store.createManifest("m", 1, bytes("one"));
    store.createManifest("m", 1, bytes("lost"));
    store.writeAlias("m", "prod", bytes("a"), null);
    store.writeAlias("m", "prod", bytes("b"), null);
    store.writeAlias("m", "prod", bytes("c"), "stale");
    store.writeAlias("m", "prod", bytes("d"), store.readAlias("m", "prod").orElseThrow().etag());
    store.deleteAlias("m", "prod", "stale");

    List<String> temps = filesUnder(root).stream().filter(p -> p.contains(FileSystemModelStore.TEMP_PREFIX)).toList();
    assertEquals(List.of(), temps);
  }

  @Test
  @Timeout(30)
  void readersNeverSeePartialFiles() throws Exception {
    FileSystemModelStore store = FileSystemModelStore.open(temp.resolve("store"));
    int size = 256 * 1024;
    AtomicBoolean writing = new AtomicBoolean(true);

    List<String> problems = runConcurrently(3, thread -> {
      List<String> seen = new ArrayList<>();
      if (thread == 0) {
        try {
          for (int i = 1; i <= 40; i++) {
            byte[] content = filled(size, (byte) i);
            store.createManifest("m", i, content);
            Optional<StoredDocument> current = store.readAlias("m", "prod");
            store.writeAlias("m", "prod", content, current.map(StoredDocument::etag).orElse(null));
          }
        } finally {
          writing.set(false);
        }
      } else {
        while (writing.get()) {
          for (long version : store.versions("m")) {
            store.readManifest("m", version).filter(c -> !isFilled(c, size)).ifPresent(c -> seen.add("manifest " + version));
          }
          for (String alias : store.aliases("m")) {
            if (!alias.equals("prod")) {
              seen.add("alias name " + alias);
            }
          }
          store.readAlias("m", "prod").filter(d -> !isFilled(d.content(), size)).ifPresent(d -> seen.add("alias"));
        }
      }
      return String.join(", ", seen);
    });

    assertEquals(List.of("", "", ""), problems);
  }

  @Test
  @Timeout(30)
  void twoInstancesOnOneRootShareTheLocks() throws Exception {
    Path root = temp.resolve("store");
    List<FileSystemModelStore> stores = List.of(FileSystemModelStore.open(root), FileSystemModelStore.open(root));
    int increments = 25;

    List<List<Long>> written = runConcurrently(4, thread -> {
      FileSystemModelStore store = stores.get(thread % 2);
      List<Long> mine = new ArrayList<>();
      while (mine.size() < increments) {
        Optional<StoredDocument> current = store.readAlias("m", "counter");
        long next = current.map(d -> Long.parseLong(new String(d.content(), UTF_8))).orElse(0L) + 1;
        if (store.writeAlias("m", "counter", bytes(Long.toString(next)), current.map(StoredDocument::etag).orElse(null))) {
          mine.add(next);
        }
      }
      return mine;
    });

    assertEquals(
        LongStream.rangeClosed(1, 4 * increments).boxed().toList(),
        written.stream().flatMap(List::stream).sorted().toList());
  }

  @ParameterizedTest(name = "hard links: {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(120)
  void twoProcessesCreateEachVersionExactlyOnce(boolean hardLinks) throws Exception {
    int versions = 200;
    Path root = temp.resolve("shared-store");

    List<List<Long>> won = raceTwoProcesses(root, "manifests", versions, hardLinks);

    Map<Long, Integer> winners = new HashMap<>();
    for (int child = 0; child < won.size(); child++) {
      for (long version : won.get(child)) {
        Integer earlier = winners.put(version, child);
        assertNull(earlier, "version " + version + " was created by child " + earlier + " and child " + child);
      }
    }
    assertEquals(LongStream.rangeClosed(1, versions).boxed().collect(Collectors.toSet()), winners.keySet());
    FileSystemModelStore store = FileSystemModelStore.open(root);
    for (Map.Entry<Long, Integer> entry : winners.entrySet()) {
      assertArrayEquals(
          bytes(entry.getValue() + ":" + entry.getKey()),
          store.readManifest("race", entry.getKey()).orElseThrow(),
          "version " + entry.getKey() + " holds its winner's content");
    }
  }

  @Test
  @Timeout(120)
  void twoProcessesIncrementAnAliasWithoutLosingUpdates() throws Exception {
    int increments = 100;
    Path root = temp.resolve("shared-store");

    List<List<Long>> written = raceTwoProcesses(root, "alias", increments, true);

    assertEquals(
        LongStream.rangeClosed(1, 2 * increments).boxed().toList(),
        written.stream().flatMap(List::stream).sorted().toList(),
        "every successful write was an increment of the value before it");
    assertArrayEquals(
        bytes(Long.toString(2 * increments)),
        FileSystemModelStore.open(root).readAlias("race", "counter").orElseThrow().content());
  }

  /**
   * Starts two {@link StoreRaceChild} JVMs on one store, lets them go at the same moment, and
   * returns the numbers each printed.
   */
  private List<List<Long>> raceTwoProcesses(Path root, String mode, int count, boolean hardLinks)
      throws Exception {
    Path control = Files.createDirectories(temp.resolve("control"));
    FileSystemModelStore.open(root, hardLinks);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    try {
      for (int child = 0; child < 2; child++) {
        children.add(
            new ProcessBuilder(
                    java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    StoreRaceChild.class.getName(),
                    root.toString(), control.toString(), Integer.toString(child), mode, Integer.toString(count),
                    Boolean.toString(hardLinks))
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

      List<List<Long>> results = new ArrayList<>();
      for (int child = 0; child < 2; child++) {
        Process process = children.get(child);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child " + child + " finished within 60 s");
        String stderr = Files.readString(control.resolve("err-" + child));
        assertEquals(0, process.exitValue(), () -> "child exit status; stderr: " + stderr);
        results.add(
            Files.readAllLines(control.resolve("out-" + child)).stream()
                .filter(line -> !line.isBlank())
                .map(Long::parseLong)
                .toList());
      }
      return results;
    } finally {
      for (Process child : children) {
        child.destroyForcibly();
      }
    }
  }

  /** The paths of the regular files under {@code dir}, relative to it, with '/' separators. */
  private static Set<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths
          .filter(Files::isRegularFile)
          .map(path -> dir.relativize(path).toString().replace('\\', '/'))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static byte[] filled(int size, byte value) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, value);
    return bytes;
  }

  private static boolean isFilled(byte[] content, int size) {
    if (content.length != size) {
      return false;
    }
    for (byte b : content) {
      if (b != content[0]) {
        return false;
      }
    }
    return true;
  }
}
