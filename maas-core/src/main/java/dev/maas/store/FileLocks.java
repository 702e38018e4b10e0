package dev.maas.store;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.maas.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Cross-process locking on a lock file, shared by the filesystem store and the cache. A file lock
 * is held per process, so threads of one JVM are kept apart by a JVM-level lock the caller chooses.
 */
final class FileLocks {
  private FileLocks() {}

  /** An action on the filesystem. */
  @FunctionalInterface
  interface IoAction<T> {
    T run() throws IOException;
  }

  /** Runs {@code action} holding {@code jvmLock} and then an exclusive lock on {@code lockFile}. */
  static <T> T withLock(ReentrantLock jvmLock, Path lockFile, Duration patience, IoAction<T> action)
      throws IOException {
    jvmLock.lock();
    try (FileChannel channel = FileChannel.open(lockFile, CREATE, WRITE)) {
      FileLock lock = lockExclusively(channel, lockFile, patience);
      try {
        return action.run();
      } finally {
        lock.release();
      }
    } finally {
      jvmLock.unlock();
    }
  }

  private static FileLock lockExclusively(FileChannel channel, Path lockFile, Duration patience) throws IOException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        return channel.lock();
      } catch (OverlappingFileLockException e) {
        // Another thread of this JVM holds the same file under another path (a link), so the
        // JVM-level lock did not keep it out. FileChannel.lock would not wait; we do.
        if (System.nanoTime() - deadline > 0) {
          throw new StoreException("timed out waiting for lock " + lockFile + " held elsewhere in this JVM", e);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }
}
