package dev.maas.storage.s3.internal;

import java.lang.ref.SoftReference;
import java.util.concurrent.LinkedBlockingDeque;

/**
 * Buffers of one size (download ranges, upload parts), kept from one transfer to the next, so that a
 * cold load does not allocate its buffers again: at the default 8 MiB each is a humongous object
 * the JVM zeroes and its collector handles apart, some 50 MB per load at 4 ranges in flight. At
 * most {@code max} are kept, and only softly, so the collector takes them back when memory runs
 * short.
 *
 * <p>Thread-safe: concurrent transfers share the buffers.
 */
public final class PartBuffers {
  private final int size;
  /** The kept buffers, most recently given back first. */
  private final LinkedBlockingDeque<SoftReference<byte[]>> spare;

  /**
   * Keeps up to {@code max} buffers of {@code size} bytes.
   *
   * @param size the size of every buffer
   * @param max how many to keep between downloads; at least 1
   */
  public PartBuffers(int size, int max) {
    if (size < 1 || max < 1) {
      throw new IllegalArgumentException("size " + size + ", max " + max);
    }
    this.size = size;
    this.spare = new LinkedBlockingDeque<>(max);
  }

  /** A buffer of the size given at construction: a kept one if any is left, else a new one. */
  public byte[] take() {
    for (SoftReference<byte[]> ref = spare.pollFirst(); ref != null; ref = spare.pollFirst()) {
      byte[] buffer = ref.get();
      if (buffer != null) {
        return buffer;
      }
    }
    return new byte[size];
  }

  /** A buffer of {@code length} bytes: {@link #take()} when that is this size, else a new one. */
  public byte[] take(int length) {
    return length == size ? take() : new byte[length];
  }

  /** Keeps {@code buffer} for a later {@link #take} if it is of this size and fewer than max are kept. */
  public void giveBack(byte[] buffer) {
    if (buffer.length == size) {
      spare.offerFirst(new SoftReference<>(buffer)); // refused when max are kept
    }
  }
}
