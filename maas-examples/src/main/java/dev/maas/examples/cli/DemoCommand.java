package dev.maas.examples.cli;

import dev.maas.examples.SemanticSearchDemo;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code maas demo}: the main example (semantic search with all-MiniLM-L6-v2) on a local filesystem store. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run the main example: semantic search with all-MiniLM-L6-v2 (fp32 and int8 versions),",
        "batched calls from many threads, a 20% canary, a move of prod under load, a rollback,",
        "and a table of throughput, latency and batch sizes; on a local filesystem store."})
final class DemoCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    long failed = SemanticSearchDemo.run(Stores.localDirectory(Commands.global(spec), "demo"),
        new PrintStream(System.out, true));
    return failed == 0 ? 0 : 1;
  }
}
