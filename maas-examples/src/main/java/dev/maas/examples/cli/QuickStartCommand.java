package dev.maas.examples.cli;

import dev.maas.examples.QuickStart;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code maas quickstart}: the smallest example, on a generated model. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Run the quick start: deploy two versions of a generated MLP, route by version and alias, reject a bad request.")
final class QuickStartCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    QuickStart.run(Stores.localDirectory(Commands.global(spec), "quickstart"), new PrintStream(System.out, true));
    return 0;
  }
}
