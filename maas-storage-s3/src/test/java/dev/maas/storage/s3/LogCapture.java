package dev.maas.storage.s3;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of this JVM, at every level (maas, the AWS SDK, the HTTP client and
 * S3Proxy turned up to TRACE), until closed; for tests that check what never appears in a log line.
 * Not thread-safe to open and close; events from any thread are captured.
 */
final class LogCapture implements AutoCloseable {
  private static final List<String> LOUD = List.of(
      Logger.ROOT_LOGGER_NAME, "dev.maas", "dev.maas.storage.s3.S3ModelStore", "software.amazon.awssdk",
      "org.apache.hc", "org.gaul", "org.eclipse.jetty");

  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Map<String, Level> previous = new HashMap<>();
  private final List<Appender<ILoggingEvent>> muted = new ArrayList<>();

  LogCapture() {
    appender.setContext(context);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    // The console would print every TRACE line; captured lines are checked, not shown.
    root.iteratorForAppenders().forEachRemaining(muted::add);
    muted.forEach(root::detachAppender);
    for (String name : LOUD) {
      Logger logger = context.getLogger(name);
      previous.put(name, logger.getLevel());
      logger.setLevel(Level.TRACE);
    }
    root.addAppender(appender);
  }

  /** Every line logged so far: the formatted message and, if any, the exception with its stack and causes. */
  List<String> lines() {
    synchronized (appender.list) {
      return appender.list.stream()
          .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())))
          .toList();
    }
  }

  /** The lines at WARN or above from loggers whose name starts with {@code prefix}. */
  List<String> warnings(String prefix) {
    synchronized (appender.list) {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && e.getLoggerName().startsWith(prefix))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Override
  public void close() {
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAppender(appender);
    appender.stop();
    previous.forEach((name, level) -> context.getLogger(name).setLevel(level));
    muted.forEach(root::addAppender);
  }
}
