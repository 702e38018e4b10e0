package dev.maas.storage.s3.internal;

import dev.maas.IntegrityException;
import dev.maas.MaasException;
import dev.maas.StoreException;
import dev.maas.storage.s3.S3Encryption;
import dev.maas.storage.s3.TransferListener;
import dev.maas.storage.s3.TransferProgress;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The blob transfers of the S3 store and its start-up checks: {@code HEAD}, single and multipart
 * uploads with the digest checked before the object becomes visible, parallel ranged downloads
 * that resume after a broken or stalled body, the access check and the conditional-write probe.
 *
 * <p>Thread-safe. Owns a pool of daemon transfer threads and the stall watchdog, released by
 * {@link #close()}; never closes the client.
 */
public final class S3Transfers implements AutoCloseable {
  /** What the conditional-write probe found. */
  public record ProbeResult(boolean writes, boolean deletes, String detail) {}

  private static final HexFormat HEX = HexFormat.of();
  private static final int READ_CHUNK = 256 * 1024;
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3Client client;
  private final String bucket;
  private final String endpointSuffix;
  private final AwsRequestOverrideConfiguration requestConfig;
  private final int partSize;
  private final int parallelism;
  private final S3Encryption encryption;
  private final TransferListener listener;
  private final LongSupplier nanoTime = System::nanoTime;
  private final ExecutorService executor;
  private final Watchdog watchdog;
  private final Retrier retrier;
  /** Buffers of {@code partSize} (download ranges, upload parts), kept between transfers. */
  private final PartBuffers partBuffers;

  /**
   * Creates the transfer machinery for one store.
   *
   * @param client the S3 client (not closed here)
   * @param bucket the bucket
   * @param endpointSuffix {@code " at <endpoint>"} or empty, appended to object names in messages
   * @param requestTimeout the limit of one request attempt
   * @param stallTimeout how long a download may receive nothing
   * @param maxAttempts attempts per download range whose body broke off
   * @param partSize bytes per part and per range
   * @param parallelism parts or ranges in flight per transfer
   * @param encryption asked for on every write
   * @param listener told about blob transfers
   */
  public S3Transfers(S3Client client, String bucket, String endpointSuffix, Duration requestTimeout,
      Duration stallTimeout, int maxAttempts, int partSize, int parallelism, S3Encryption encryption,
      TransferListener listener) {
    this.client = client;
    this.bucket = bucket;
    this.endpointSuffix = endpointSuffix;
    this.requestConfig = AwsRequestOverrideConfiguration.builder().apiCallAttemptTimeout(requestTimeout).build();
    this.partSize = partSize;
    this.parallelism = parallelism;
    // Enough for one download's ranges in flight plus the one being digested.
    this.partBuffers = new PartBuffers(partSize, parallelism + 2);
    this.encryption = encryption;
    this.listener = listener;
    this.executor = Executors.newCachedThreadPool(daemonThreads("maas-s3-transfer-"));
    this.watchdog = new Watchdog(stallTimeout, nanoTime);
    this.retrier = new Retrier(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  /** {@code " at <endpoint>"}, or empty for AWS's own endpoints. */
  public String endpointSuffix() {
    return endpointSuffix;
  }

  // ---------------------------------------------------------------------------------------------
  // Metadata

  /** The object's metadata, or empty if it does not exist. */
  public Optional<HeadObjectResponse> head(String key) {
    try {
      return Optional.of(client.headObject(request -> request.bucket(bucket).key(key).overrideConfiguration(requestConfig)));
    } catch (SdkException e) {
      // HEAD responses have no body, so a missing bucket also reads as a plain 404; the access
      // check at start-up has already told the two apart.
      if (S3Errors.isNotFound(e)) {
        return Optional.empty();
      }
      throw S3Errors.translate("read metadata of", where(key), bucket, e);
    }
  }

  /** Lists one key under {@code prefix}, so bad credentials or a missing bucket fail at start-up. */
  public void checkAccess(String prefix) {
    try {
      client.listObjectsV2(request -> request.bucket(bucket).prefix(prefix).maxKeys(1)
          .overrideConfiguration(requestConfig));
    } catch (SdkException e) {
      throw S3Errors.translate("list", where(prefix), bucket, e);
    }
  }

  /**
   * Checks, on a scratch object, that the server refuses a create-if-absent of an existing key, a
   * replace with a wrong ETag and a delete with a wrong ETag, and accepts a replace with the right
   * ETag. A server that ignores a header would accept the write it should refuse.
   */
  public ProbeResult probeConditionalWrites(String key) {
    try {
      try {
        putSmall(key, "probe 1", request -> request.ifNoneMatch("*"));
      } catch (SdkException e) {
        if (S3Errors.status(e) == 403) {
          return new ProbeResult(true, true, "not probed: these credentials cannot write to bucket '" + bucket
              + "' (read-only use assumed)");
        }
        if (S3Errors.isNotImplemented(e) || S3Errors.status(e) == 400) {
          return new ProbeResult(false, false, "If-None-Match rejected: " + S3Errors.code(e));
        }
        throw S3Errors.translate("probe conditional writes on", where(key), bucket, e);
      }
      if (!refused(() -> putSmall(key, "probe 2", request -> request.ifNoneMatch("*")))) {
        return new ProbeResult(false, false, "If-None-Match: * was ignored");
      }
      String etag = head(key).map(HeadObjectResponse::eTag).orElse(null);
      if (etag == null) {
        return new ProbeResult(false, false, "the probe object vanished");
      }
      if (!refused(() -> putSmall(key, "probe 3", request -> request.ifMatch("\"maas-probe-no-such-etag\"")))) {
        return new ProbeResult(false, false, "If-Match with a wrong ETag was ignored");
      }
      try {
        putSmall(key, "probe 4", request -> request.ifMatch(etag));
      } catch (SdkException e) {
        if (S3Errors.isPreconditionFailed(e) || S3Errors.isNotImplemented(e) || S3Errors.status(e) == 400) {
          return new ProbeResult(false, false, "If-Match with the current ETag was refused");
        }
        throw S3Errors.translate("probe conditional writes on", where(key), bucket, e);
      }
      boolean deletes = refused(() -> client.deleteObject(request -> request.bucket(bucket).key(key)
          .ifMatch("\"maas-probe-no-such-etag\"").overrideConfiguration(requestConfig)));
      return new ProbeResult(true, deletes, deletes
          ? "honoured (If-None-Match, If-Match, conditional delete)"
          : "honoured for writes (If-None-Match, If-Match); a delete with a wrong ETag was not refused");
    } finally {
      try {
        client.deleteObject(request -> request.bucket(bucket).key(key).overrideConfiguration(requestConfig));
      } catch (SdkException e) {
        // A leftover probe object is harmless: nothing lists that part of the prefix.
      }
    }
  }

  /** Whether a conditional request was refused with 412 (or 501/400: not understood). */
  private boolean refused(Runnable request) {
    try {
      request.run();
      return false;
    } catch (SdkException e) {
      if (S3Errors.isPreconditionFailed(e)) {
        return true;
      }
      if (S3Errors.isNotImplemented(e) || S3Errors.status(e) == 400) {
        return false;
      }
      throw S3Errors.translate("probe conditional writes in", "s3://" + bucket + endpointSuffix, bucket, e);
    }
  }

  private void putSmall(String key, String content, Consumer<PutObjectRequest.Builder> condition) {
    PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key)
        .overrideConfiguration(requestConfig);
    applyEncryption(encryption, request);
    condition.accept(request);
    client.putObject(request.build(), RequestBody.fromString(content, StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------------------------------------
  // Upload

  /**
   * Uploads {@code file} as {@code key}: in one {@code PUT} carrying its SHA-256 when it fits in a
   * part, else as a multipart upload completed only if the SHA-256 of the bytes sent matches.
   *
   * @param ifNoneMatch whether to refuse to replace an existing object (a racing uploader of the
   *     same content got there first; that counts as success)
   * @throws IntegrityException if the file's SHA-256 is not {@code sha256}
   */
  public void upload(String key, String sha256, Path file, boolean ifNoneMatch) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new StoreException("cannot read " + file.toAbsolutePath() + " to upload it to " + where(key) + ": " + e, e);
    }
    ProgressTracker progress = new ProgressTracker(listener, TransferProgress.Direction.UPLOAD, bucket, key, size,
        nanoTime);
    try {
      if (size <= partSize) {
        uploadWhole(key, sha256, file, ifNoneMatch, progress);
      } else {
        uploadInParts(key, sha256, file, size, ifNoneMatch, progress);
      }
      progress.completed();
    } catch (RuntimeException | Error e) {
      progress.failed(e);
      throw e;
    }
  }

  private void uploadWhole(String key, String sha256, Path file, boolean ifNoneMatch, ProgressTracker progress) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StoreException("cannot read " + file.toAbsolutePath() + " to upload it to " + where(key) + ": " + e, e);
    }
    byte[] digest = sha256().digest(content);
    checkDigest(file, sha256, HEX.formatHex(digest));
    PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key)
        .contentType(OCTET_STREAM)
        .contentLength((long) content.length)
        // S3 checks the body against this and refuses it on a mismatch (BadDigest).
        .checksumSHA256(Base64.getEncoder().encodeToString(digest))
        .overrideConfiguration(requestConfig);
    applyEncryption(encryption, request);
    if (ifNoneMatch) {
      request.ifNoneMatch("*");
    }
    try {
      client.putObject(request.build(),
          RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content), content.length, OCTET_STREAM));
    } catch (SdkException e) {
      if (S3Errors.isPreconditionFailed(e)) {
        return;
      }
      if ("BadDigest".equals(S3Errors.code(e))) {
        throw new StoreException("S3 received different bytes than were sent for " + where(key)
            + " (corrupted in transit); nothing was stored", e);
      }
      throw S3Errors.translate("upload", where(key), bucket, e);
    }
    progress.add(content.length);
  }

  private void uploadInParts(String key, String sha256, Path file, long size, boolean ifNoneMatch,
      ProgressTracker progress) {
    CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
        .contentType(OCTET_STREAM).overrideConfiguration(requestConfig);
    applyEncryption(encryption, create);
    String uploadId;
    try {
      uploadId = client.createMultipartUpload(create.build()).uploadId();
    } catch (SdkException e) {
      throw S3Errors.translate("start a multipart upload of", where(key), bucket, e);
    }
    boolean completed = false;
    List<Future<CompletedPart>> parts = new ArrayList<>();
    try {
      MessageDigest digest = sha256();
      Semaphore inFlight = new Semaphore(parallelism);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long offset = 0;
        for (int partNumber = 1; offset < size; partNumber++) {
          int length = (int) Math.min(partSize, size - offset);
          // Waiting here bounds memory to `parallelism` parts in flight plus the one being read.
          inFlight.acquire();
          failFast(parts);
          // Full parts reuse the buffers downloads keep (uploadPart reads the buffer, never keeps it).
          byte[] buffer = readFully(channel, offset, partBuffers.take(length), file);
          // The digest covers exactly the bytes sent, so a file changing under us cannot slip through.
          digest.update(buffer);
          int number = partNumber;
          parts.add(executor.submit(() -> {
            try {
              return uploadPart(key, uploadId, number, buffer, progress);
            } finally {
              partBuffers.giveBack(buffer);
              inFlight.release();
            }
          }));
          offset += length;
        }
      }
      checkDigest(file, sha256, HEX.formatHex(digest.digest()));
      List<CompletedPart> done = new ArrayList<>();
      for (Future<CompletedPart> part : parts) {
        done.add(part.get());
      }
      try {
        client.completeMultipartUpload(request -> {
          request.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(upload -> upload.parts(done))
              .overrideConfiguration(requestConfig);
          if (ifNoneMatch) {
            request.ifNoneMatch("*");
          }
        });
      } catch (SdkException e) {
        if (!S3Errors.isPreconditionFailed(e)) {
          throw S3Errors.translate("complete the multipart upload of", where(key), bucket, e);
        }
        // Another uploader stored the same content first; ours is aborted below.
        return;
      }
      completed = true;
    } catch (IOException e) {
      throw new StoreException("cannot read " + file.toAbsolutePath() + " to upload it to " + where(key) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while uploading " + where(key), e);
    } catch (ExecutionException e) {
      throw unwrap(e, "upload", key);
    } finally {
      if (!completed) {
        for (Future<CompletedPart> part : parts) {
          part.cancel(true);
        }
        abortQuietly(key, uploadId);
      }
    }
  }

  private CompletedPart uploadPart(String key, String uploadId, int partNumber, byte[] buffer,
      ProgressTracker progress) {
    try {
      String etag = client.uploadPart(
          request -> request.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
              .contentLength((long) buffer.length).overrideConfiguration(requestConfig),
          RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer), buffer.length, OCTET_STREAM))
          .eTag();
      progress.add(buffer.length);
      return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
    } catch (SdkException e) {
      throw S3Errors.translate("upload part " + partNumber + " of", where(key), bucket, e);
    }
  }

  private static void failFast(List<Future<CompletedPart>> parts) throws ExecutionException, InterruptedException {
    for (Future<CompletedPart> part : parts) {
      if (part.isDone()) {
        part.get();
      }
    }
  }

  private void abortQuietly(String key, String uploadId) {
    try {
      client.abortMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId)
          .overrideConfiguration(requestConfig));
    } catch (SdkException e) {
      // The parts stay until a lifecycle rule removes them; invisible to readers either way.
    }
  }

  /** Fills {@code buffer} from {@code offset} of the file and returns it. */
  private static byte[] readFully(FileChannel channel, long offset, byte[] buffer, Path file) throws IOException {
    ByteBuffer target = ByteBuffer.wrap(buffer);
    while (target.hasRemaining()) {
      if (channel.read(target, offset + target.position()) < 0) {
        throw new IOException(file.toAbsolutePath() + " became shorter while it was being uploaded");
      }
    }
    return buffer;
  }

  private static void checkDigest(Path file, String expected, String actual) {
    if (!actual.equals(expected)) {
      throw new IntegrityException("the content of " + file.toAbsolutePath() + " has SHA-256 " + actual
          + ", not the expected " + expected + "; nothing was stored");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Download

  /**
   * A stream over the object {@code key} of {@code size} bytes, read as parallel ranges that must
   * all come from the object with ETag {@code etag}.
   */
  public InputStream download(String key, long size, String etag) {
    ProgressTracker progress = new ProgressTracker(listener, TransferProgress.Direction.DOWNLOAD, bucket, key, size,
        nanoTime);
    InputStream ranges = new ParallelRangeInputStream(size, partSize, parallelism, executor,
        (offset, length) -> fetchRange(key, etag, offset, length, new byte[length], progress, null));
    return new TrackedStream(ranges, progress);
  }

  /**
   * Writes the object {@code key} of {@code size} bytes into {@code target}: ranges are fetched in
   * parallel and each chunk is written in place, as it arrives, by the thread that fetched it, while
   * the calling thread computes the SHA-256 over the ranges in order, so the digest is the only
   * serial work.
   *
   * @return the SHA-256 of what was written, in hex
   * @throws StoreException if the object cannot be read, or the file cannot be written
   */
  public String downloadTo(String key, long size, String etag, Path target) {
    ProgressTracker progress = new ProgressTracker(listener, TransferProgress.Direction.DOWNLOAD, bucket, key, size,
        nanoTime);
    // Full-size buffers go round within a download and are kept for the next one (PartBuffers):
    // at most `parallelism` ranges are in flight plus the one being digested.
    int bufferSize = (int) Math.min(partSize, size);
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
      MessageDigest digest = sha256();
      try (ParallelRangeInputStream ranges = new ParallelRangeInputStream(size, partSize, parallelism, executor,
          (offset, length) -> {
            byte[] buffer = partBuffers.take(bufferSize);
            // Each chunk is written as it arrives, so the disk works while the network does.
            return fetchRange(key, etag, offset, length, buffer, progress,
                (bytes, from, count, position) -> writeFully(out, bytes, from, count, position));
          })) {
        long done = 0;
        for (byte[] range = ranges.nextRange(); range != null; range = ranges.nextRange()) {
          int length = (int) Math.min(partSize, size - done);
          digest.update(range, 0, length);
          done += length;
          partBuffers.giveBack(range);
        }
      }
      progress.completed();
      return HEX.formatHex(digest.digest());
    } catch (IOException e) {
      progress.failed(e);
      throw new StoreException("cannot download " + where(key) + " to " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      progress.failed(e);
      throw e;
    }
  }

  private static void writeFully(FileChannel out, byte[] bytes, int from, int count, long position)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, from, count);
    while (buffer.hasRemaining()) {
      out.write(buffer, position + buffer.position() - from);
    }
  }

  /** Receives the bytes of a range as they arrive. */
  @FunctionalInterface
  private interface ChunkSink {
    void write(byte[] bytes, int from, int count, long position) throws IOException;
  }

  /**
   * Reads exactly {@code length} bytes at {@code offset} into the start of {@code buffer} (at least
   * that long) and returns it, resuming after broken or stalled bodies.
   */
  private byte[] fetchRange(String key, String etag, long offset, int length, byte[] buffer,
      ProgressTracker progress, ChunkSink sink) throws IOException {
    int[] filled = {0};
    retrier.run(key, () -> {
      readRangeOnce(key, etag, offset, buffer, length, filled, progress, sink);
      return null;
    });
    return buffer;
  }

  private void readRangeOnce(String key, String etag, long offset, byte[] buffer, int length, int[] filled,
      ProgressTracker progress, ChunkSink sink) throws IOException {
    long first = offset + filled[0];
    long last = offset + length - 1;
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key)
        .range("bytes=" + first + "-" + last)
        .ifMatch(etag)
        .build();
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = client.getObject(request);
    } catch (SdkException e) {
      if (S3Errors.isPreconditionFailed(e)) {
        throw new StoreException(where(key) + " was replaced while it was being downloaded; try again", e);
      }
      throw S3Errors.translate("download", where(key), bucket, e);
    }
    boolean complete = false;
    try (Watchdog.Watch watch = watchdog.watch(in::abort)) {
      while (filled[0] < length) {
        int n;
        try {
          n = in.read(buffer, filled[0], Math.min(READ_CHUNK, length - filled[0]));
        } catch (IOException | SdkException e) {
          // Our watchdog or the socket read timeout of a client we built: either way, a stall.
          if (watch.stalled() || e instanceof SocketTimeoutException) {
            throw new BodyInterruptedException("download of " + where(key) + " received nothing for "
                + watchdog.timeout().toSeconds() + " s at byte " + (offset + filled[0]), e);
          }
          if (Thread.currentThread().isInterrupted()) {
            throw interrupted(key, e);
          }
          throw new BodyInterruptedException("download of " + where(key) + " broke off at byte "
              + (offset + filled[0]) + ": " + e, e);
        }
        if (n < 0) {
          throw new BodyInterruptedException("download of " + where(key) + " ended early at byte "
              + (offset + filled[0]) + " (expected bytes " + offset + " to " + last + ")", null);
        }
        if (sink != null) {
          sink.write(buffer, filled[0], n, offset + filled[0]);
        }
        filled[0] += n;
        watch.progress();
        progress.add(n);
        if (Thread.currentThread().isInterrupted()) {
          throw interrupted(key, null);
        }
      }
      complete = true;
    } finally {
      if (complete) {
        in.close();
      } else {
        // Closing would drain the rest of the body to reuse the connection; drop it instead.
        in.abort();
      }
    }
  }

  private InterruptedIOException interrupted(String key, Throwable cause) {
    InterruptedIOException e = new InterruptedIOException("download of " + where(key) + " was cancelled");
    e.initCause(cause);
    return e;
  }

  /** Reports the end of a download to the listener: completed at the end of the stream, or failed. */
  private static final class TrackedStream extends FilterInputStream {
    private final ProgressTracker progress;
    private boolean reported;

    TrackedStream(InputStream in, ProgressTracker progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      try {
        return ended(super.read());
      } catch (IOException e) {
        throw failed(e);
      } catch (RuntimeException e) {
        throw failed(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return ended(in.read(b, off, len));
      } catch (IOException e) {
        throw failed(e);
      } catch (RuntimeException e) {
        throw failed(e);
      }
    }

    private int ended(int n) {
      if (n < 0 && !reported) {
        reported = true;
        progress.completed();
      }
      return n;
    }

    private <E extends Exception> E failed(E e) {
      if (!reported) {
        reported = true;
        progress.failed(e);
      }
      return e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Adds the server-side encryption headers to a PUT. */
  public static void applyEncryption(S3Encryption encryption, PutObjectRequest.Builder request) {
    applyEncryption(encryption, request::serverSideEncryption, request::ssekmsKeyId);
  }

  private static void applyEncryption(S3Encryption encryption, CreateMultipartUploadRequest.Builder request) {
    applyEncryption(encryption, request::serverSideEncryption, request::ssekmsKeyId);
  }

  /** The two request builders share these setters but no interface that declares them. */
  private static void applyEncryption(S3Encryption encryption, Consumer<ServerSideEncryption> sse,
      Consumer<String> kmsKeyId) {
    switch (encryption.kind()) {
      case NONE -> { }
      case S3_MANAGED -> sse.accept(ServerSideEncryption.AES256);
      case KMS -> {
        sse.accept(ServerSideEncryption.AWS_KMS);
        encryption.kmsKeyId().ifPresent(kmsKeyId);
      }
      default -> throw new AssertionError(encryption);
    }
  }


  /** Sleeps for a backoff; an interrupt ends the wait with a {@link StoreException}. */
  public static void pause(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting to retry", e);
    }
  }

  private MaasException unwrap(ExecutionException e, String action, String key) {
    Throwable cause = e.getCause();
    if (cause instanceof MaasException maas) {
      return maas;
    }
    if (cause instanceof SdkException sdk) {
      return S3Errors.translate(action, where(key), bucket, sdk);
    }
    return new StoreException("cannot " + action + " " + where(key) + ": " + cause, cause);
  }

  private String where(String key) {
    return "s3://" + bucket + "/" + key + endpointSuffix;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops the transfer threads (transfers in progress fail) and the watchdog. Idempotent. */
  @Override
  public void close() {
    executor.shutdownNow();
    watchdog.close();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
