package dev.maas.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code maas} command line: {@code java -jar maas-examples/target/maas.jar COMMAND}.
 *
 * <p>Exit codes: 0 ok; 1 usage error or a failed check; 2 model, version or alias not found; 3
 * integrity or signature failure; 4 access denied; 5 invalid input; 6 overloaded or deadline; 7
 * store unavailable.
 */
@Command(
    name = "maas",
    mixinStandardHelpOptions = true,
    version = "maas 0.1.0-SNAPSHOT",
    description = "Models as a service, embedded in the JVM.",
    subcommands = {Commands.Deploy.class, Commands.ListModels.class, Commands.Show.class, Commands.AliasCmd.class,
        Commands.Rollback.class, Commands.Undeploy.class, Commands.Verify.class, Commands.Predict.class,
        BenchCommand.class, ConformanceCommand.class, DemoCommand.class, QuickStartCommand.class,
        CommandLine.HelpCommand.class})
public final class MaasCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin GlobalOptions global = new GlobalOptions();

  /** Used by picocli. */
  public MaasCli() {}

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the CLI and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI in-process (for tests), writing to the given streams; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new MaasCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new ErrorHandler());
    // Usage errors exit 1 (picocli's default is 2, which maas documents as "not found").
    CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
    cl.setParameterExceptionHandler((ex, a) -> {
      usage.handleParseException(ex, a);
      return 1;
    });
    return cl.execute(args);
  }
}
