package dev.maas.store;

import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store that forwards every call, for test stores that change one behaviour. Public in core's
 * test jar so that other modules' tests reuse it.
 */
public class ForwardingModelStore implements ModelStore {
  private final ModelStore delegate;

  /** Forwards to {@code delegate}. */
  public ForwardingModelStore(ModelStore delegate) {
    this.delegate = delegate;
  }

  /** The store calls go to. */
  public ModelStore delegate() {
    return delegate;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public boolean hasBlob(String sha256) {
    return delegate.hasBlob(sha256);
  }

  @Override
  public void putBlob(String sha256, Path file) {
    delegate.putBlob(sha256, file);
  }

  @Override
  public InputStream openBlob(String sha256) {
    return delegate.openBlob(sha256);
  }

  @Override
  public Optional<Path> localBlobPath(String sha256) {
    return delegate.localBlobPath(sha256);
  }

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

  @Override
  public void close() {
    delegate.close();
  }
}
