package dev.maas.benchmarks;

import dev.maas.internal.Digests;
import dev.maas.storage.s3.LocalS3;
import dev.maas.storage.s3.S3ModelStore;
import dev.maas.store.CachingModelStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where does the time of a cold S3 load go? Times each stage of {@link S3LoadBenchmark}'s cold path
 * on its own, on the same server and blob, in interleaved rounds (one round runs every stage once,
 * in a rotating order), and prints the median wall and process-CPU time of each. A diagnostic for
 * the cold ratio, not a benchmark with a target.
 *
 * <ul>
 *   <li>{@code plainGetObject}: the baseline, one {@code getObject} to a file;
 *   <li>{@code fetchBlob(pN)}: {@link S3ModelStore#fetchBlob} with N ranges of 8 MiB in flight
 *       (download, chunks written in place, SHA-256 in order on the calling thread), no force, no
 *       move; and once with ranges of 32 MiB, to see what the number of requests costs;
 *   <li>{@code headObject}: one HEAD;
 *   <li>{@code sha256InMemory}: the SHA-256 of the blob's bytes already in memory (pure CPU);
 *   <li>{@code force}: {@code fdatasync} of a just-written file of the blob's size;
 *   <li>{@code cacheFill(force)} / {@code cacheFill(noForce)}: the whole cold path of the cache;
 *   <li>{@code readToMemory} / {@code readToMemoryAndHash}: what the model manager then does with a
 *       cached file (read it into a byte array, with and without hashing it again).
 * </ul>
 *
 * <pre>
 * mvn -o -q -B -DskipTests package -pl benchmarks -am
 * ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true java -Xmx1g \
 *   -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp benchmarks/target/benchmarks.jar \
 *   dev.maas.benchmarks.S3LoadBreakdown [rounds] [sizeMib]
 * </pre>
 */
public final class S3LoadBreakdown {
  private S3LoadBreakdown() {}

  /** A stage to time. */
  @FunctionalInterface
  private interface Stage {
    void run() throws Exception;
  }

  /**
   * Runs the rounds and prints one line per stage.
   *
   * @param args optional: rounds (8), size in MiB (200)
   * @throws Exception if the set-up fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int sizeMib = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path work = Files.createTempDirectory("maas-s3-breakdown-");
    try (LocalS3 s3 = LocalS3.onDisk(Files.createDirectories(work.resolve("s3-data")))) {
      String bucket = s3.createBucket("bench");
      byte[] content = new byte[sizeMib << 20];
      new Random(7).nextBytes(content);
      String digest = Digests.hex(Digests.sha256().digest(content));
      Path blob = work.resolve("model.bin");
      Files.write(blob, content);
      String key = "blobs/sha256/" + digest;
      Path target = work.resolve("target.bin");
      Path cacheDir = work.resolve("cache");
      Map<String, Stage> stages = new LinkedHashMap<>();
      List<S3ModelStore> stores = new ArrayList<>();
      try (S3Client client = s3.newClient()) {
        for (int p : new int[] {1, 2, 4}) {
          stores.add(S3ModelStore.builder().bucket(bucket).endpoint(s3.endpoint()).credentialsProvider(s3.credentials())
              .parallelism(p).build());
        }
        stores.get(0).putBlob(digest, blob);
        S3ModelStore store4 = stores.get(2);
        stages.put("plainGetObject", () -> client.getObject(r -> r.bucket(bucket).key(key),
            ResponseTransformer.toFile(target)));
        for (int i = 0; i < stores.size(); i++) {
          S3ModelStore store = stores.get(i);
          stages.put("fetchBlob(p" + (1 << i) + ")", () -> {
            Files.createFile(target);
            check(digest, store.fetchBlob(digest, target, Long.MAX_VALUE).orElseThrow().sha256());
          });
        }
        S3ModelStore bigRanges = S3ModelStore.builder().bucket(bucket).endpoint(s3.endpoint())
            .credentialsProvider(s3.credentials()).parallelism(4).partSize(32L << 20).build();
        stores.add(bigRanges);
        stages.put("fetchBlob(p4, 32 MiB ranges)", () -> {
          Files.createFile(target);
          check(digest, bigRanges.fetchBlob(digest, target, Long.MAX_VALUE).orElseThrow().sha256());
        });
        stages.put("headObject", () -> client.headObject(r -> r.bucket(bucket).key(key)));
        stages.put("sha256InMemory", () -> check(digest, Digests.hex(Digests.sha256().digest(content))));
        stages.put("writeFromMemory", () -> Files.write(target, content));
        stages.put("force(after write, timed alone)", null); // timed specially below
        for (boolean force : new boolean[] {true, false}) {
          stages.put("cacheFill(" + (force ? "force" : "noForce") + ")", () -> CachingModelStore.builder(store4)
              .directory(cacheDir).maximumBytes((sizeMib + 1L) << 20).forceToDisk(force).build()
              .localBlobPath(digest).orElseThrow());
        }
        stages.put("readToMemory", () -> readAll(blob, null));
        stages.put("readToMemoryAndHash", () -> readAll(blob, Digests.sha256()));

        Map<String, List<double[]>> times = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(stages.keySet());
        for (int round = -1; round < rounds; round++) {
          for (int k = 0; k < names.size(); k++) {
            String name = names.get(Math.floorMod(k + round, names.size()));
            S3LoadBenchmark.deleteTree(cacheDir);
            Files.deleteIfExists(target);
            double[] t;
            if (stages.get(name) == null) {
              Files.write(target, content);
              t = time(() -> {
                try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
                  channel.force(false);
                }
              });
            } else {
              t = time(stages.get(name));
            }
            if (round >= 0) {
              times.computeIfAbsent(name, n -> new ArrayList<>()).add(t);
            }
          }
        }
        System.out.printf("S3LoadBreakdown: %d MiB, %d rounds, medians%n", sizeMib, rounds);
        for (String name : names) {
          List<double[]> t = times.get(name);
          System.out.printf("  %-34s wall %7.1f ms   cpu %7.1f ms%n", name, Stats.median(t, 0), Stats.median(t, 1));
        }
      } finally {
        for (S3ModelStore store : stores) {
          store.close();
        }
      }
    } finally {
      S3LoadBenchmark.deleteTree(work);
    }
  }

  private static void readAll(Path file, MessageDigest md) throws IOException {
    byte[] bytes = new byte[(int) Files.size(file)];
    try (InputStream in = Files.newInputStream(file)) {
      int done = 0;
      for (int n = in.read(bytes, done, Math.min(1 << 20, bytes.length - done)); n > 0;
          n = in.read(bytes, done, Math.min(1 << 20, bytes.length - done))) {
        if (md != null) {
          md.update(bytes, done, n);
        }
        done += n;
      }
    }
  }

  private static void check(String expected, String actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException("SHA-256 " + actual + ", expected " + expected);
    }
  }

  private static double[] time(Stage stage) throws Exception {
    long cpu = Stats.processCpuNanos();
    long start = System.nanoTime();
    stage.run();
    return new double[] {(System.nanoTime() - start) / 1e6, (Stats.processCpuNanos() - cpu) / 1e6};
  }
}
