package dev.maas.spi;

/**
 * Makes a {@link Runtime} with default settings; registered in {@code
 * META-INF/services/dev.maas.spi.RuntimeProvider} so that {@code ModelService.builder()} finds the
 * runtime on the classpath when none is given. Two providers and no explicit choice is an error,
 * never a guess.
 */
public interface RuntimeProvider {

  /** The runtime's name, as {@link Runtime#name()} returns it. */
  String name();

  /** A new runtime with default settings; the service that asked for it closes it. */
  Runtime create();
}
