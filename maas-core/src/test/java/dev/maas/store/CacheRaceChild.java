package dev.maas.store;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link CachingModelStoreTest}'s two-process tests: it opens a cache over the
 * shared filesystem store, signals that it is ready, waits for the go signal, then reads every blob
 * listed in {@code <control>/digests} through the cache (child 0 in order, child 1 in reverse),
 * checking each one's SHA-256, several rounds over.
 *
 * <p>Arguments: store root, cache directory, control directory, child id, cache bound in bytes,
 * eviction grace in milliseconds, rounds. Prints {@code bad <digest>} for a blob read wrong and,
 * at the end, {@code opens <n>}: how many times it read a blob from the wrapped store.
 */
public final class CacheRaceChild {
  private CacheRaceChild() {}

  /**
   * Runs one reader; exits 0 when done, 2 if the go signal never came.
   *
   * @param args see the class comment
   * @throws Exception on any failure, which makes the exit status non-zero
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path cacheDir = Path.of(args[1]);
    Path control = Path.of(args[2]);
    String id = args[3];
    long bound = Long.parseLong(args[4]);
    Duration grace = Duration.ofMillis(Long.parseLong(args[5]));
    int rounds = Integer.parseInt(args[6]);

    CountingModelStore counting = new CountingModelStore(FileSystemModelStore.open(root));
    CachingModelStore cache = CachingModelStore.builder(counting).directory(cacheDir).maximumBytes(bound)
        .evictionGrace(grace).build();
    List<String> digests = new ArrayList<>(Files.readAllLines(control.resolve("digests")));
    if (id.equals("1")) {
      Collections.reverse(digests);
    }
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
    for (int round = 0; round < rounds; round++) {
      for (String digest : digests) {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = cache.openBlob(digest)) {
          byte[] buffer = new byte[8192];
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            md.update(buffer, 0, n);
          }
        }
        if (!HexFormat.of().formatHex(md.digest()).equals(digest)) {
          out.println("bad " + digest);
        }
      }
    }
    out.println("opens " + counting.openBlob.get());
    out.flush();
  }
}
