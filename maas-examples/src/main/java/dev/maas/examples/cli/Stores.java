package dev.maas.examples.cli;

import dev.maas.StoreException;
import dev.maas.spi.ModelStore;
import dev.maas.store.FileSystemModelStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store that {@code --store} names. */
final class Stores {
  private Stores() {}

  static ModelStore open(GlobalOptions o) {
    String s = o.store;
    if (s.startsWith("file:")) {
      Path dir = Path.of(s.substring("file:".length()));
      return FileSystemModelStore.open(dir);
    }
    if (s.startsWith("s3://")) {
      throw new StoreException("the S3 store is not on this classpath (maas-storage-s3)");
    }
    throw new IllegalArgumentException("--store must be file:DIR or s3://BUCKET/PREFIX, not '" + s + "'");
  }

  /** For read-only commands: a file store that does not exist is an error, not an empty store. */
  static void requireExisting(GlobalOptions o) {
    if (o.store.startsWith("file:") && !Files.isDirectory(Path.of(o.store.substring("file:".length())))) {
      throw new StoreException("no store at " + o.store);
    }
  }
}
