package dev.maas.storage.s3;

import dev.maas.store.CachingModelStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * A child JVM for {@link LargeBlobTest}: round-trips one large generated blob through an S3 store
 * on a local S3 server, in a heap much smaller than the blob, and prints what it measured.
 *
 * <p>Arguments: work directory, size in MiB. Prints {@code upload <ms>}, {@code download <ms>},
 * {@code cache <ms>}, {@code heap <peak MiB>} and finally {@code ok}; any mismatch is an exception
 * (non-zero exit).
 */
public final class LargeBlobChild {
  private LargeBlobChild() {}

  /**
   * Runs the round trip.
   *
   * @param args see the class comment
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int mib = Integer.parseInt(args[1]);
    Path data = Files.createDirectories(work.resolve("s3-data"));
    Path blob = work.resolve("blob.bin");
    String digest = generate(blob, mib);

    try (LocalS3 s3 = LocalS3.onDisk(data);
         S3ModelStore store = S3ModelStore.builder().bucket(s3.createBucket("large")).endpoint(s3.endpoint())
             .credentialsProvider(s3.credentials()).build()) {
      long start = System.nanoTime();
      store.putBlob(digest, blob);
      System.out.println("upload " + (System.nanoTime() - start) / 1_000_000);
      Files.delete(blob);

      start = System.nanoTime();
      String downloaded;
      try (InputStream in = store.openBlob(digest)) {
        downloaded = sha256(in);
      }
      System.out.println("download " + (System.nanoTime() - start) / 1_000_000);
      check(digest, downloaded, "streamed download");

      CachingModelStore cache = CachingModelStore.builder(store).directory(work.resolve("cache"))
          .maximumBytes((long) (mib + 1) << 20).build();
      start = System.nanoTime();
      Path cached = cache.localBlobPath(digest).orElseThrow();
      System.out.println("cache " + (System.nanoTime() - start) / 1_000_000);
      try (InputStream in = Files.newInputStream(cached)) {
        check(digest, sha256(in), "cached file");
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println("heap " + (peak >> 20));
    System.out.println("ok");
  }

  /** Writes {@code mib} MiB of seeded random bytes, one MiB at a time, and returns their SHA-256. */
  private static String generate(Path file, int mib) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < mib; i++) {
        random.nextBytes(chunk);
        md.update(chunk);
        out.write(chunk);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[1 << 20];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      md.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void check(String expected, String actual, String what) {
    if (!expected.equals(actual)) {
      throw new AssertionError(what + " has SHA-256 " + actual + ", expected " + expected);
    }
  }
}
