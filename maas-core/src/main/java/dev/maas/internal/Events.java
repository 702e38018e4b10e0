package dev.maas.internal;

import dev.maas.event.ModelEvent;
import dev.maas.event.ModelEventListener;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to the listeners in order, on one daemon thread, so no caller waits on them. */
final class Events implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private final List<ModelEventListener> listeners;
  private final ExecutorService thread;

  Events(List<ModelEventListener> listeners) {
    this.listeners = List.copyOf(listeners);
    this.thread = listeners.isEmpty() ? null : Executors.newSingleThreadExecutor(DefaultModelService.daemonThreads("maas-events-"));
  }

  void emit(ModelEvent e) {
    LOG.debug("{}", e);
    if (thread == null) {
      return;
    }
    try {
      thread.execute(() -> {
        for (ModelEventListener l : listeners) {
          try {
            l.onEvent(e);
          } catch (RuntimeException ex) {
            LOG.warn("event listener {} failed on {}: {}", l, e, ex.toString());
          }
        }
      });
    } catch (RejectedExecutionException closed) {
      // the service is closing: late events are dropped
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdown();
    }
  }
}
