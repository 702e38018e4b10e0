package dev.maas.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.maas.spi.StoredDocument;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link FileSystemModelStoreTest}'s two-process races. It opens the shared store,
 * signals that it is ready, waits for the go signal, then races and prints one line per win.
 *
 * <p>Arguments: store root, control directory, child id, mode ({@code manifests} or {@code alias}),
 * count, and whether to use hard links ({@code true} or {@code false}).
 *
 * <ul>
 *   <li>{@code manifests}: tries to create versions 1..count of model {@code race}, with content
 *       {@code <id>:<version>}, and prints each version it created.
 *   <li>{@code alias}: makes count successful compare-and-set increments of alias {@code counter} of
 *       model {@code race}, printing each value it wrote.
 * </ul>
 */
public final class StoreRaceChild {
  private StoreRaceChild() {}

  /**
   * Runs one racer; exits 0 when done, 2 if the go signal never came.
   *
   * @param args see the class comment
   * @throws Exception on any failure, which makes the exit status non-zero
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path control = Path.of(args[1]);
    String id = args[2];
    String mode = args[3];
    int count = Integer.parseInt(args[4]);
    boolean hardLinks = Boolean.parseBoolean(args[5]);

    FileSystemModelStore store = FileSystemModelStore.open(root, hardLinks);
    Files.createFile(control.resolve("ready-" + id));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(control.resolve("go"))) {
      if (System.nanoTime() - deadline > 0) {
        System.err.println("no go signal within 30 s");
        System.exit(2);
      }
      Thread.sleep(1);
    }

    PrintStream out = System.out;
    switch (mode) {
      case "manifests" -> {
        for (long version = 1; version <= count; version++) {
          if (store.createManifest("race", version, (id + ":" + version).getBytes(UTF_8))) {
            out.println(version);
          }
        }
      }
      case "alias" -> {
        int done = 0;
        while (done < count) {
          Optional<StoredDocument> current = store.readAlias("race", "counter");
          long next = current.map(doc -> Long.parseLong(new String(doc.content(), UTF_8))).orElse(0L) + 1;
          String etag = current.map(StoredDocument::etag).orElse(null);
          if (store.writeAlias("race", "counter", Long.toString(next).getBytes(UTF_8), etag)) {
            out.println(next);
            done++;
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
    out.flush();
  }
}
