package dev.maas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The lifecycle hook of the security fuzz suites ({@code @AddLifecycleHook(Fuzzing.class)}): it
 * scales each property's {@code tries} by the system property {@value #SCALE} (1 by default; {@code
 * -Dmaas.fuzz.scale=10} runs ten times as many cases, {@code 0.1} a tenth), and writes the number of
 * cases each property really ran to {@code target/fuzz-cases.txt} (afresh in each test JVM), so
 * the total can be read after a build: {@code cat maas-core/target/fuzz-cases.txt
 * maas-runtime-onnx/target/fuzz-cases.txt}.
 */
public final class Fuzzing implements AroundPropertyHook {
  /** The system property that scales the tries of every fuzz property. */
  public static final String SCALE = "maas.fuzz.scale";

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    double scale = Double.parseDouble(System.getProperty(SCALE, "1"));
    // Examples (one try) stay examples; properties scale.
    context.attributes().tries().filter(t -> t > 1)
        .ifPresent(t -> context.attributes().setTries((int) Math.max(1, Math.round(t * scale))));
    PropertyExecutionResult result = property.execute();
    record(result.countTries() + " " + context.extendedLabel());
    return result;
  }

  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS; // declared on a class, it applies to every property in it
  }

  @Override
  public int aroundPropertyProximity() {
    return -100; // outermost: the tries are set before anything else runs
  }

  private static boolean started; // the first record of a test JVM starts the file afresh

  private static synchronized void record(String line) {
    try {
      Path file = Path.of("target", "fuzz-cases.txt");
      Files.createDirectories(file.getParent());
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          started ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
      started = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
