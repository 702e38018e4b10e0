package dev.maas.store;

import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A store wrapper for tests that counts the blob calls reaching the wrapped store. */
final class CountingModelStore implements ModelStore {
  final ModelStore delegate;
  final AtomicInteger hasBlob = new AtomicInteger();
  final AtomicInteger openBlob = new AtomicInteger();
  final AtomicInteger putBlob = new AtomicInteger();

  CountingModelStore(ModelStore delegate) {
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

  // No localBlobPath: like a remote store, the only way to the bytes is openBlob.

  @Override
  public List<String> models() {
    return delegate.models();
  }

  @Override
  public List<Long> versions(String model) {
    return delegate.versions(model);
  }

  @Override
  public boolean createManifest(String model, long version, byte[] content) {
    return delegate.createManifest(model, version, content);
  }

  @Override
  public Optional<byte[]> readManifest(String model, long version) {
    return delegate.readManifest(model, version);
  }

  @Override
  public boolean deleteManifest(String model, long version) {
    return delegate.deleteManifest(model, version);
  }

  @Override
  public List<String> aliases(String model) {
    return delegate.aliases(model);
  }

  @Override
  public Optional<StoredDocument> readAlias(String model, String alias) {
    return delegate.readAlias(model, alias);
  }

  @Override
  public boolean writeAlias(String model, String alias, byte[] content, String expectedEtag) {
    return delegate.writeAlias(model, alias, content, expectedEtag);
  }

  @Override
  public boolean deleteAlias(String model, String alias, String expectedEtag) {
    return delegate.deleteAlias(model, alias, expectedEtag);
  }
}
