package dev.maas.store;

import dev.maas.spi.ModelStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A store wrapper for tests that counts the blob calls reaching the wrapped store. */
final class CountingModelStore extends ForwardingModelStore {
  final ModelStore delegate;
  final AtomicInteger hasBlob = new AtomicInteger();
  final AtomicInteger openBlob = new AtomicInteger();
  final AtomicInteger putBlob = new AtomicInteger();

  CountingModelStore(ModelStore delegate) {
    super(delegate);
    this.delegate = delegate;
  }

  /** Blob calls of any kind so far. */
  int blobCalls() {
    return hasBlob.get() + openBlob.get() + putBlob.get();
  }

  @Override
  public String describe() {
    return "counting " + delegate.describe();
  }

  @Override
  public boolean hasBlob(String sha256) {
    hasBlob.incrementAndGet();
    return delegate.hasBlob(sha256);
  }

  @Override
  public void putBlob(String sha256, Path file) {
    putBlob.incrementAndGet();
    delegate.putBlob(sha256, file);
  }

  @Override
  public InputStream openBlob(String sha256) {
    openBlob.incrementAndGet();
    return delegate.openBlob(sha256);
  }

  /** None: like a remote store, the only way to the bytes is openBlob. */
  @Override
  public Optional<Path> localBlobPath(String sha256) {
    dev.maas.Names.checkSha256(sha256);
    return Optional.empty();
  }

  /** Closes nothing: the wrapped store belongs to the test. */
  @Override
  public void close() {}
}
