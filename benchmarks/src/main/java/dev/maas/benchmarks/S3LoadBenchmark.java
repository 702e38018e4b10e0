package dev.maas.benchmarks;

import dev.maas.storage.s3.LocalS3;
import dev.maas.storage.s3.S3ModelStore;
import dev.maas.spi.LocalBlob;
import dev.maas.store.CachingModelStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What does maas's S3 path cost over the plainest way to do the same with the same SDK? One blob
 * of {@code sizeMib} MiB (200 by default) sits in a local S3 server (S3Proxy, filesystem backend,
 * on 127.0.0.1, in the benchmark's JVM); each benchmark method is one model file made ready on local
 * disk:
 *
 * <ul>
 *   <li>{@code coldCachedS3Store}: {@link CachingModelStore#localBlobPath} over {@link S3ModelStore}
 *       on an empty cache: HEAD, parallel ranged GETs written in place into a temporary file while
 *       the SHA-256 is computed in order, atomic move, verification marker (and a force to disk
 *       before the move with {@code -p forceToDisk=true}). Like the baseline it ends with the file
 *       on local disk: neither side creates an ONNX Runtime session. The baseline is {@code coldPlainGetObject}: one {@code S3Client.getObject} to
 *       a file ({@code ResponseTransformer.toFile}), no digest, no force. Target: at most 1.1x. A
 *       second baseline, {@code coldPlainGetObjectVerified}, adds what it takes by hand to get the
 *       same guarantee (SHA-256 of the file, force to disk), to show what the verification costs.
 *   <li>{@code warmCacheHit}: a hit of the same cache, then reading the file through (standing for
 *       the runtime's own read of the file the service hands it; with {@code reverifyEveryUse}, the
 *       service's read into memory, hashing it); the baseline
 *       is {@code warmLocalFile}, reading that same file from local disk. Target: at most 1.05x.
 * </ul>
 *
 * <p>Run it (the {@code main} method runs JMH and prints the two ratios from the same run):
 * <pre>
 * mvn -q -B -DskipTests package -pl benchmarks -am
 * ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true \
 *   java -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.S3LoadBenchmark
 * </pre>
 * JMH options may follow (e.g. {@code -p sizeMib=50 -p parallelism=1,4,8 -p forceToDisk=true,false}); or run it like any
 * JMH benchmark: {@code java -jar benchmarks/target/benchmarks.jar S3LoadBenchmark}. JMH runs all
 * iterations of one method before the next, so on a machine shared with other jobs a change of load
 * between them skews the ratio; {@link S3LoadRatios} measures the same methods in alternation
 * (paired rounds) and reports the median ratio. Needs about 1 GB of free disk in the temporary
 * directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 30)
@Measurement(iterations = 15)
public class S3LoadBenchmark {
  /** The blob's size in MiB. */
  @Param("200")
  public int sizeMib;

  /** Ranges in flight per download in the maas path. */
  @Param("4")
  public int parallelism;

  /**
   * The store's part size in MiB: its upload parts and download ranges (8, the store's default).
   * Larger ranges mean fewer requests per load, which a cold JVM pays for dearly, but more memory.
   */
  @Param("8")
  public int partMib = 8; // the initial value for drivers that make the class with new (S3LoadRatios)

  /** Whether the cache forces each new entry to disk before it becomes visible (false: the cache's default). */
  @Param("false")
  public boolean forceToDisk;

  /**
   * Whether the caches hand entries out unverified, so that each load hashes the file (the service's
   * behaviour before verification markers, and its paranoid mode now).
   */
  @Param("false")
  public boolean reverifyEveryUse;

  private Path work;
  private LocalS3 s3;
  private S3Client client;
  private S3ModelStore store;
  private String bucket;
  private String key;
  private String digest;
  private CachingModelStore warmCache;
  private Path warmEntry;
  private Path coldCacheDir;
  private Path plainTarget;
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(1 << 20);

  /** Starts the server, uploads the blob, fills the warm cache. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    startServerWithBlob(false);
    warmCache = CachingModelStore.builder(store).directory(work.resolve("warm-cache"))
        .maximumBytes((sizeMib + 1L) << 20).reverifyEveryUse(reverifyEveryUse).build();
    warmEntry = warmCache.localBlobPath(digest).orElseThrow();
  }

  /**
   * Starts the server, builds the store and puts the blob in the bucket; with {@code plainUpload},
   * by one plain {@code putObject} rather than the store's upload, and without the warm cache, so
   * that no download code of either side has run before the first timed load ({@link S3FirstLoad}).
   */
  void startServerWithBlob(boolean plainUpload) throws IOException {
    work = Files.createTempDirectory("maas-s3-bench-");
    s3 = LocalS3.onDisk(Files.createDirectories(work.resolve("s3-data")));
    bucket = s3.createBucket("bench");
    connect(s3.endpoint(), s3.credentials(), plainUpload);
  }

  /**
   * Uses a server of another process ({@link S3ServerProcess}) with bucket {@code bucket}: builds
   * the clients and puts the blob there with a plain {@code putObject} unless it is there already.
   */
  void useServer(java.net.URI endpoint, String secretKey, String bucket) throws IOException {
    work = Files.createTempDirectory("maas-s3-bench-");
    this.bucket = bucket;
    connect(endpoint, LocalS3.credentials(secretKey), true);
  }

  private void connect(java.net.URI endpoint, software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials,
      boolean plainUpload) throws IOException {
    // With plainUpload, both sides' timed loads start with a client of their own that has made no
    // request yet: the set-up below (HEAD, upload) goes through a client of its own. Without it the
    // upload goes through the maas store, which has then made requests before the first timed load.
    client = LocalS3.clientBuilder(endpoint, credentials).build();
    store = S3ModelStore.builder().bucket(bucket).endpoint(endpoint).credentialsProvider(credentials)
        .parallelism(parallelism).partSize((long) partMib << 20).build();
    Path blob = work.resolve("model.bin");
    digest = generate(blob, sizeMib);
    key = "blobs/sha256/" + digest;
    try (S3Client setup = LocalS3.clientBuilder(endpoint, credentials).build()) {
      boolean present;
      try {
        setup.headObject(request -> request.bucket(bucket).key(key));
        present = true;
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) { // NoSuchKeyException among them
        if (e.statusCode() != 404) {
          throw e;
        }
        present = false;
      }
      if (!present) {
        if (plainUpload) {
          setup.putObject(request -> request.bucket(bucket).key(key), RequestBody.fromFile(blob));
        } else {
          store.putBlob(digest, blob);
        }
      }
    }
    Files.delete(blob);
    coldCacheDir = work.resolve("cold-cache");
    plainTarget = work.resolve("plain.bin");
  }

  /** Empties what the cold benchmarks fill, so every invocation starts cold. */
  @Setup(Level.Invocation)
  public void empty() throws IOException {
    deleteTree(coldCacheDir);
    Files.deleteIfExists(plainTarget);
  }

  /** Stops the server and removes the files. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (store != null) {
      store.close();
    }
    if (client != null) {
      client.close();
    }
    if (s3 != null) {
      s3.close(); // not when the server is another process's
    }
    if (work != null) {
      deleteTree(work);
    }
  }

  /**
   * maas: an empty local cache over the S3 store, filled with the verified blob; then, like the
   * service, the file hashed once more if the cache does not vouch for it.
   */
  @Benchmark
  public Path coldCachedS3Store() throws IOException {
    CachingModelStore cache = CachingModelStore.builder(store).directory(coldCacheDir)
        .maximumBytes((sizeMib + 1L) << 20).forceToDisk(forceToDisk).reverifyEveryUse(reverifyEveryUse).build();
    LocalBlob blob = cache.localBlob(digest).orElseThrow();
    if (!blob.verified()) {
      checkDigest(sha256(blob.path()));
    }
    return blob.path();
  }

  /** Baseline: the same object with one plain {@code getObject} to a file, same SDK. */
  @Benchmark
  public Object coldPlainGetObject() {
    return client.getObject(request -> request.bucket(bucket).key(key), ResponseTransformer.toFile(plainTarget));
  }

  /**
   * A second baseline: what a careful user would write by hand to get the same guarantee, a plain
   * {@code getObject} to a file, then its SHA-256, then forcing it to disk.
   */
  @Benchmark
  public String coldPlainGetObjectVerified() throws IOException {
    client.getObject(request -> request.bucket(bucket).key(key), ResponseTransformer.toFile(plainTarget));
    String actual = sha256(plainTarget);
    try (FileChannel channel = FileChannel.open(plainTarget, StandardOpenOption.WRITE)) {
      channel.force(false);
    }
    checkDigest(actual);
    return actual;
  }

  /**
   * maas: a cache hit, then the file read through: the runtime's own read of the file the service
   * hands it, or, when the cache does not vouch for it, the service's read that hashes it.
   */
  @Benchmark
  @Warmup(iterations = 30)
  @Measurement(iterations = 40)
  public long warmCacheHit(Blackhole blackhole) throws IOException {
    LocalBlob blob = warmCache.localBlob(digest).orElseThrow();
    if (!blob.verified()) {
      checkDigest(sha256(blob.path()));
      return Files.size(blob.path());
    }
    return readThrough(blob.path(), blackhole);
  }

  private void checkDigest(String actual) {
    if (!actual.equals(digest)) {
      throw new IllegalStateException("SHA-256 " + actual + ", expected " + digest);
    }
  }

  /** Baseline: the same file read through from local disk. */
  @Benchmark
  @Warmup(iterations = 30)
  @Measurement(iterations = 40)
  public long warmLocalFile(Blackhole blackhole) throws IOException {
    return readThrough(warmEntry, blackhole);
  }

  private long readThrough(Path file, Blackhole blackhole) throws IOException {
    long total = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (true) {
        readBuffer.clear();
        int n = channel.read(readBuffer);
        if (n < 0) {
          return total;
        }
        total += n;
        blackhole.consume(readBuffer.get(0));
      }
    }
  }

  private String sha256(Path file) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        while (true) {
          readBuffer.clear();
          if (channel.read(readBuffer) < 0) {
            return HexFormat.of().formatHex(md.digest());
          }
          readBuffer.flip();
          md.update(readBuffer);
        }
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code mib} MiB of seeded random bytes and returns their SHA-256. */
  private static String generate(Path file, int mib) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      Random random = new Random(7);
      byte[] chunk = new byte[1 << 20];
      try (OutputStream out = Files.newOutputStream(file)) {
        for (int i = 0; i < mib; i++) {
          random.nextBytes(chunk);
          md.update(chunk);
          out.write(chunk);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deletes {@code root} and everything below it, if it exists. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * Runs this benchmark and prints the cold and warm ratios (maas over baseline, from the same run).
   *
   * @param args JMH command-line options, e.g. {@code -p sizeMib=50}
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    Options options = new OptionsBuilder()
        .parent(new CommandLineOptions(args))
        .include(S3LoadBenchmark.class.getSimpleName())
        .build();
    Collection<RunResult> results = new Runner(options).run();
    double coldMaas = score(results, "coldCachedS3Store");
    double coldBase = score(results, "coldPlainGetObject");
    double coldVerified = score(results, "coldPlainGetObjectVerified");
    double warmMaas = score(results, "warmCacheHit");
    double warmBase = score(results, "warmLocalFile");
    System.out.printf("%ncold: maas %.1f ms, plain getObject %.1f ms, ratio %.3f (target <= 1.10)%n",
        coldMaas, coldBase, coldMaas / coldBase);
    System.out.printf("cold: maas %.1f ms, getObject + SHA-256 + force by hand %.1f ms, ratio %.3f%n",
        coldMaas, coldVerified, coldMaas / coldVerified);
    System.out.printf("warm: maas %.1f ms, local file %.1f ms, ratio %.3f (target <= 1.05)%n",
        warmMaas, warmBase, warmMaas / warmBase);
  }

  private static double score(Collection<RunResult> results, String method) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
        .mapToDouble(r -> r.getPrimaryResult().getScore())
        .findFirst()
        .orElse(Double.NaN);
  }
}
