package dev.maas.examples.cli;

import dev.maas.MaasException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** One clear line on stderr and a documented exit code; a stack trace only with --verbose. */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
    boolean verbose = false;
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      verbose |= p.hasMatchedOption("--verbose");
    }
    cl.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    if (verbose) {
      e.printStackTrace(cl.getErr());
    }
    cl.getErr().flush();
    return exitCode(e);
  }

  static int exitCode(Throwable e) {
    if (!(e instanceof MaasException)) {
      return 1;
    }
    switch (((MaasException) e).code()) {
      case MODEL_NOT_FOUND:
      case VERSION_NOT_FOUND:
        return 2;
      case INTEGRITY_VIOLATION:
        return 3;
      case ACCESS_DENIED:
        return 4;
      case INVALID_INPUT:
        return 5;
      case DEADLINE_EXCEEDED:
      case OVERLOADED:
      case CAPACITY:
        return 6;
      case STORE_UNAVAILABLE:
        return 7;
      default:
        return 1;
    }
  }
}
