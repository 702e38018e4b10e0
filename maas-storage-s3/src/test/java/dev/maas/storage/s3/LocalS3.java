package dev.maas.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A real S3 server for tests and benchmarks: S3Proxy, in this JVM, on {@code 127.0.0.1} at a free
 * port, with an in-memory or a filesystem backend and AWS signature checking on (a random secret per
 * server, so a wrong-credentials test means something).
 *
 * <p>It records every object request it serves ({@link #requests()}: {@code "GET key"}, {@code
 * "HEAD key"}, {@code "PUT key"}, {@code "DELETE key"}), can be {@link #stop() stopped} and {@link
 * #restart() restarted} on the same port with the same content, and can stall a download ({@link
 * #stallGets}) or cut it short ({@link #cutGets}) after some bytes.
 *
 * <p><b>Atomic conditional writes.</b> S3Proxy 4.1.0 evaluates {@code If-Match} on a PUT or DELETE
 * in its request handler and then writes, in two steps, so two compare-and-set writes racing on one
 * key can both succeed (a lost update that Amazon S3 does not allow). This server repeats the check
 * under a per-key lock right before the write, so the store is tested against S3's semantics.
 * ({@code If-None-Match: *} is already atomic in S3Proxy: it links the new file into place.)
 *
 * <p>Thread-safe. Close it to stop the server.
 */
public final class LocalS3 implements AutoCloseable {
  /** The access key id every server accepts; the secret is random per server. */
  public static final String ACCESS_KEY = "maas-test-access";

  private final BlobStore backend;
  private final String secretKey = "secret-" + UUID.randomUUID();
  private final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
  private final Object[] keyLocks = newLocks(64);
  private volatile Fault fault;
  private volatile boolean stopped;
  private volatile S3Proxy proxy;
  private volatile int port;

  private LocalS3(BlobStore backend) {
    this.backend = new RecordingBlobStore(backend);
  }

  /** Starts a server that keeps objects in memory. */
  public static LocalS3 inMemory() {
    return start(new TransientNio2BlobStore());
  }

  /** Starts a server that keeps objects under {@code directory} (one sub-directory per bucket). */
  public static LocalS3 onDisk(Path directory) {
    return start(new FilesystemNio2BlobStore(directory.toString()));
  }

  private static LocalS3 start(BlobStore backend) {
    LocalS3 s3 = new LocalS3(backend);
    s3.startProxy(0);
    return s3;
  }

  private void startProxy(int wantedPort) {
    S3Proxy p = S3Proxy.builder()
        .blobStore(backend)
        .endpoint(URI.create("http://127.0.0.1:" + wantedPort))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secretKey)
        // Stop at once: the fault tests stop the server under a download on purpose.
        .stopTimeout(0)
        .build();
    try {
      p.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!"STARTED".equals(p.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: " + p.getState());
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy", e);
    }
    proxy = p;
    port = p.getPort();
  }

  /** The server's address, {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The secret key that matches {@link #ACCESS_KEY} on this server. */
  public String secretKey() {
    return secretKey;
  }

  /** Credentials this server accepts. */
  public StaticCredentialsProvider credentials() {
    return credentials(secretKey);
  }

  /** Credentials for a server of this kind whose secret key is {@code secretKey} (one in another process, say). */
  public static StaticCredentialsProvider credentials(String secretKey) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, secretKey));
  }

  /** A new client for this server (path-style, region us-east-1); the caller closes it. */
  public S3Client newClient() {
    return clientBuilder().build();
  }

  /** A client builder set up for this server, to add to (interceptors, other credentials). */
  public S3ClientBuilder clientBuilder() {
    return clientBuilder(endpoint(), credentials());
  }

  /** A client builder for a server of this kind at {@code endpoint} (path-style, region us-east-1). */
  public static S3ClientBuilder clientBuilder(URI endpoint, AwsCredentialsProvider credentials) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(credentials)
        .httpClientBuilder(Apache5HttpClient.builder());
  }

  /** Creates a bucket and returns its name. */
  public String createBucket(String name) {
    try (S3Client client = newClient()) {
      client.createBucket(request -> request.bucket(name));
    }
    return name;
  }

  /** Every object request served so far, oldest first, as {@code "VERB key"}. */
  public List<String> requests() {
    return new ArrayList<>(requests);
  }

  /** Forgets the requests recorded so far. */
  public void clearRequests() {
    requests.clear();
  }

  /**
   * Makes the next {@code times} GETs of keys that {@code keys} accepts deliver {@code afterBytes}
   * bytes of the body and then block until {@link #releaseStalls()} (or until the client gives up
   * and closes the connection): a stalled download.
   */
  public void stallGets(Predicate<String> keys, long afterBytes, int times) {
    fault = new Fault(keys, afterBytes, new AtomicInteger(times), true, new CountDownLatch(1), new CountDownLatch(1));
  }

  /**
   * Makes the next {@code times} GETs of keys that {@code keys} accepts end after {@code
   * afterBytes} bytes of the body although the response announced more: a connection cut short.
   */
  public void cutGets(Predicate<String> keys, long afterBytes, int times) {
    fault = new Fault(keys, afterBytes, new AtomicInteger(times), false, new CountDownLatch(1), new CountDownLatch(1));
  }

  /**
   * Waits until a download stalled by {@link #stallGets} has delivered its first bytes and holds.
   *
   * @return false if none did within the timeout
   */
  public boolean awaitStall(long timeout, TimeUnit unit) throws InterruptedException {
    Fault f = fault;
    return f != null && f.stalled().await(timeout, unit);
  }

  /** Lets stalled downloads continue and injects no more faults. */
  public void releaseStalls() {
    Fault f = fault;
    fault = null;
    if (f != null) {
      f.release().countDown();
    }
  }

  /**
   * Stops the server; the content is kept for {@link #restart()}. From the moment this is called,
   * requests still reaching the server while it shuts down fail too, so a client cannot slip a
   * retry in before the port closes.
   */
  public void stop() {
    stopped = true;
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop S3Proxy", e);
    }
  }

  /** Starts the server again on the same port with the same content. */
  public void restart() {
    stopped = false;
    startProxy(port);
  }

  /** Stops the server. */
  @Override
  public void close() {
    releaseStalls();
    try {
      proxy.stop();
    } catch (Exception e) {
      // Already stopped by a fault test.
    }
  }

  private static Object[] newLocks(int count) {
    Object[] locks = new Object[count];
    for (int i = 0; i < count; i++) {
      locks[i] = new Object();
    }
    return locks;
  }

  private record Fault(Predicate<String> keys, long afterBytes, AtomicInteger remaining, boolean stall,
      CountDownLatch release, CountDownLatch stalled) {
    /** Whether this GET gets the fault (and uses one of the remaining ones). */
    boolean applies(String key) {
      return keys.test(key) && remaining.getAndDecrement() > 0;
    }
  }

  /** Records requests and applies stalls; everything else goes to the real backend. */
  private final class RecordingBlobStore extends ForwardingBlobStore {
    RecordingBlobStore(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
      requests.add("GET " + request.key());
      refuseWhileStopping();
      ResponseInputStream<GetObjectResponse> in = super.getBlob(request);
      Fault f = fault;
      if (in == null || f == null || !f.applies(request.key())) {
        return in;
      }
      return new ResponseInputStream<>(in.response(), new FaultyInputStream(in, f));
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
      requests.add("HEAD " + request.key());
      refuseWhileStopping();
      return super.blobMetadata(request);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
      requests.add("PUT " + request.key());
      refuseWhileStopping();
      if (request.ifMatch() == null && request.ifNoneMatch() == null) {
        return super.putBlob(request, input);
      }
      synchronized (lockFor(request.bucket(), request.key())) {
        checkIfMatch(request.bucket(), request.key(), request.ifMatch());
        return super.putBlob(request, input);
      }
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
      requests.add("DELETE " + request.key());
      if (request.ifMatch() == null) {
        return super.removeBlob(request);
      }
      synchronized (lockFor(request.bucket(), request.key())) {
        checkIfMatch(request.bucket(), request.key(), request.ifMatch());
        return super.removeBlob(request);
      }
    }

    private void refuseWhileStopping() {
      if (stopped) {
        throw new IllegalStateException("the server is stopping");
      }
    }

    private void checkIfMatch(String bucket, String key, String ifMatch) {
      if (ifMatch == null) {
        return;
      }
      HeadObjectResponse current = delegate().blobMetadataIfPresent(bucket, key);
      if (current != null && unquote(ifMatch).equals(unquote(current.eTag()))) {
        return;
      }
      throw (S3Exception) S3Exception.builder()
          .statusCode(412)
          .awsErrorDetails(AwsErrorDetails.builder().errorCode("PreconditionFailed")
              .errorMessage("At least one of the preconditions you specified did not hold.").build())
          .build();
    }

    private Object lockFor(String bucket, String key) {
      return keyLocks[Math.floorMod((bucket + "/" + key).hashCode(), keyLocks.length)];
    }
  }

  private static String unquote(String etag) {
    return etag == null ? "" : etag.replace("\"", "");
  }

  /** Delivers the first bytes of a body, then stalls or ends early. */
  private static final class FaultyInputStream extends FilterInputStream {
    private final Fault fault;
    private long delivered;

    FaultyInputStream(InputStream in, Fault fault) {
      super(in);
      this.fault = Objects.requireNonNull(fault);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (delivered >= fault.afterBytes()) {
        if (!fault.stall()) {
          return -1;
        }
        fault.stalled().countDown();
        try {
          fault.release().await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while stalled", e);
        }
        return super.read(b, off, len);
      }
      int n = super.read(b, off, (int) Math.min(len, fault.afterBytes() - delivered));
      if (n > 0) {
        delivered += n;
      }
      return n;
    }
  }
}
