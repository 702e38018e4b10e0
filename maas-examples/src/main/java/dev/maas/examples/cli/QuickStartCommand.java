package dev.maas.examples.cli;

import dev.maas.examples.QuickStart;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code maas quickstart}: the smallest example, on a generated model. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Run the quick start: deploy two versions of a generated MLP, route by version and alias, reject a bad request.")
final class QuickStartCommand implements Callable<Integer> {
  @Option(names = "--store", defaultValue = "file:maas-quickstart-store", paramLabel = "file:DIR",
      description = "Where the example's store lives (default: ${DEFAULT-VALUE}).")
  String store;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!store.startsWith("file:")) {
      throw new IllegalArgumentException("demo needs a local store: --store file:DIR");
    }
    QuickStart.run(Path.of(store.substring("file:".length())), new PrintStream(System.out, true));
    return 0;
  }
}
