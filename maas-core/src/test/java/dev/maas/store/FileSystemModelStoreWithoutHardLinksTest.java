package dev.maas.store;

import dev.maas.spi.ModelStore;
import dev.maas.spi.ModelStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the store contract kit on {@link FileSystemModelStore} as it behaves on a filesystem without
 * hard links, where manifests are created under the per-model lock file instead.
 */
class FileSystemModelStoreWithoutHardLinksTest extends ModelStoreContractTest {
  @TempDir Path temp;

  @Override
  protected ModelStore createStore() {
    return FileSystemModelStore.open(temp.resolve("kit-store"), false);
  }
}
