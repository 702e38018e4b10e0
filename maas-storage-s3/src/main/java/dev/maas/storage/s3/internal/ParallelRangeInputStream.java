package dev.maas.storage.s3.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Reads an object of known size as consecutive ranges fetched in parallel, and hands the bytes out
 * in order. At most {@code parallelism} ranges are in flight or waiting for the reader, so memory
 * stays at about {@code (parallelism + 1) * partSize} however large the object is; the next range
 * is requested as soon as the reader takes one, so the connections stay busy while the reader
 * digests and writes.
 *
 * <p>Not thread-safe (one reader, like any stream); the fetches run on the given executor.
 */
public final class ParallelRangeInputStream extends InputStream {
  /** Fetches {@code length} bytes at {@code offset}, exactly. */
  @FunctionalInterface
  public interface RangeFetcher {
    /** Returns exactly {@code length} bytes starting at {@code offset}. */
    byte[] fetch(long offset, int length) throws IOException;
  }

  private static final byte[] EMPTY = new byte[0];

  private final long size;
  private final int partSize;
  private final int parallelism;
  private final ExecutorService executor;
  private final RangeFetcher fetcher;
  private final ArrayDeque<Future<byte[]>> window = new ArrayDeque<>();
  private long nextOffset;
  private byte[] current = EMPTY;
  private int position;
  private boolean closed;

  /**
   * Prepares the stream; the first fetches start on the first read.
   *
   * @param size the object's size in bytes
   * @param partSize the size of each range but the last
   * @param parallelism how many ranges may be in flight
   * @param executor runs the fetches (never the reader's thread)
   * @param fetcher fetches one range
   */
  public ParallelRangeInputStream(long size, int partSize, int parallelism, ExecutorService executor,
      RangeFetcher fetcher) {
    if (size < 0 || partSize < 1 || parallelism < 1) {
      throw new IllegalArgumentException("size " + size + ", part size " + partSize + ", parallelism " + parallelism);
    }
    this.size = size;
    this.partSize = partSize;
    this.parallelism = parallelism;
    this.executor = Objects.requireNonNull(executor, "executor");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (position == current.length) {
      if (!advance()) {
        return -1;
      }
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return current.length - position;
  }

  /**
   * Takes the next whole range, in order, for a reader that consumes ranges rather than bytes (no
   * copy); do not mix with {@link #read}.
   *
   * @return the next range's bytes, or null after the last
   */
  public byte[] nextRange() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    return advance() ? current : null;
  }

  private boolean advance() throws IOException {
    current = EMPTY;
    position = 0;
    topUp();
    Future<byte[]> head = window.poll();
    if (head == null) {
      return false;
    }
    topUp();
    try {
      current = head.get();
    } catch (ExecutionException e) {
      close();
      throw asIOException(e.getCause());
    } catch (CancellationException e) {
      close();
      throw new IOException("download cancelled", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new InterruptedIOException("interrupted while waiting for a part");
    }
    return true;
  }

  private void topUp() {
    while (window.size() < parallelism && nextOffset < size) {
      long offset = nextOffset;
      int length = (int) Math.min(partSize, size - offset);
      nextOffset += length;
      Callable<byte[]> fetch = () -> fetcher.fetch(offset, length);
      window.add(executor.submit(fetch));
    }
  }

  /** Cancels the ranges still in flight; their fetches stop at their next read. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    current = EMPTY;
    for (Future<byte[]> f : window) {
      f.cancel(true);
    }
    window.clear();
  }

  private static IOException asIOException(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof UncheckedIOException unchecked) {
      return unchecked.getCause();
    }
    if (cause instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new IOException(cause);
  }
}
