package dev.maas.store;

import dev.maas.StoreException;
import dev.maas.spi.BlobFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test store that, like the S3 store, writes blobs into files itself ({@link BlobFetcher}) and has
 * no local blob path: a counting wrapper of a filesystem store that copies the blob file on fetch.
 */
final class FetchingModelStore extends ForwardingModelStore implements BlobFetcher {
  final FileSystemModelStore files;
  final AtomicInteger fetches = new AtomicInteger();

  FetchingModelStore(FileSystemModelStore files) {
    super(new CountingModelStore(files));
    this.files = files;
  }

  CountingModelStore counting() {
    return (CountingModelStore) delegate();
  }

  @Override
  public Optional<Fetched> fetchBlob(String sha256, Path target, long maxBytes) {
    Optional<Path> file = files.localBlobPath(sha256);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    try {
      long size = Files.size(file.get());
      if (size > maxBytes) {
        return Optional.of(new Fetched(size, null));
      }
      fetches.incrementAndGet();
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(files.openBlob(sha256), md);
           OutputStream out = Files.newOutputStream(target, StandardOpenOption.WRITE)) {
        in.transferTo(out);
      }
      return Optional.of(new Fetched(size, HexFormat.of().formatHex(md.digest())));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new StoreException("fetch of " + sha256, e);
    }
  }
}
