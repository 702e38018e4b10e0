package dev.maas.event;

/**
 * Receives {@link ModelEvent}s, in order, on the service's event thread. Must be quick and must not
 * block: a slow listener delays every later event. Exceptions it throws are logged and ignored.
 */
@FunctionalInterface
public interface ModelEventListener {
  /** Called for each event. */
  void onEvent(ModelEvent event);
}
