package dev.maas.examples.cli;

import dev.maas.StoreException;
import dev.maas.spi.ModelStore;
import dev.maas.storage.s3.S3ModelStore;
import dev.maas.store.CachingModelStore;
import dev.maas.store.FileSystemModelStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store that {@code --store} names, behind the {@code --cache} when one is given. */
final class Stores {
  private Stores() {}

  private static final String FILE = "file:";

  static ModelStore open(GlobalOptions o) {
    ModelStore store = base(o);
    if (o.cache != null) {
      return CachingModelStore.builder(store).directory(o.cache)
          .maximumBytes(GlobalOptions.bytes(o.cacheSize)).build();
    }
    return store;
  }

  private static ModelStore base(GlobalOptions o) {
    String s = o.store;
    if (s.startsWith(FILE)) {
      return FileSystemModelStore.open(localPath(s));
    }
    if (s.startsWith("s3://")) {
      String rest = s.substring("s3://".length());
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      S3ModelStore.Builder b = S3ModelStore.builder().bucket(bucket).prefix(prefix).pathStyle(o.pathStyle)
          .transferListener(new ProgressBar(new java.io.PrintWriter(System.err, true), System.console() != null));
      if (o.endpoint != null) {
        b.endpoint(URI.create(o.endpoint));
      }
      if (o.region != null) {
        b.region(o.region);
      }
      return b.build(); // credentials from the standard AWS chain
    }
    throw new IllegalArgumentException("--store must be file:DIR or s3://BUCKET/PREFIX, not '" + s + "'");
  }

  /** For commands that read: a file store that does not exist is an error, not an empty store. */
  static void requireExisting(GlobalOptions o) {
    if (o.store.startsWith(FILE) && !Files.isDirectory(localPath(o.store))) {
      throw new StoreException("no store at " + o.store);
    }
  }

  /**
   * The directory of a {@code file:DIR} store, for commands that need a local store.
   *
   * @throws IllegalArgumentException naming {@code command} if the store is not local
   */
  static Path localDirectory(GlobalOptions o, String command) {
    if (!o.store.startsWith(FILE)) {
      throw new IllegalArgumentException(command + " needs a local store: --store file:DIR");
    }
    return localPath(o.store);
  }

  private static Path localPath(String store) {
    return Path.of(store.substring(FILE.length()));
  }
}
