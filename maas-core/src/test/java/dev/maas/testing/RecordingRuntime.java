package dev.maas.testing;

import dev.maas.ModelSignature;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import dev.maas.spi.Runtime;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hands every call to a real runtime and records the sources it was asked to load, for tests that
 * check how a model reaches the runtime (a file or bytes in memory, under which name). Closing it
 * leaves the real runtime open. Public in core's test jar so that other modules' tests reuse it.
 */
public final class RecordingRuntime implements Runtime {
  private final List<ModelSource> loaded = new CopyOnWriteArrayList<>();
  private final Runtime delegate;

  /** Records what is loaded through {@code delegate}. */
  public RecordingRuntime(Runtime delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The sources loaded so far, in order. */
  public List<ModelSource> loaded() {
    return List.copyOf(loaded);
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public ModelSignature inspect(ModelSource source) {
    return delegate.inspect(source);
  }

  @Override
  public LoadedModel load(ModelSource source) {
    loaded.add(source);
    return delegate.load(source);
  }
}
