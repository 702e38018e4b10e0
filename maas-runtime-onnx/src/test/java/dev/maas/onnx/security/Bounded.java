package dev.maas.onnx.security;

import dev.maas.MaasException;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.opentest4j.AssertionFailedError;

/**
 * Runs one fuzz case on a worker thread with a time limit, and classifies how it ended: a case
 * that hangs fails the property instead of the build; a case that ends with anything but success
 * or one of the allowed typed exceptions fails it too, with the exception attached.
 */
final class Bounded {
  /** How long one case may take before it counts as a hang. */
  static final long LIMIT_SECONDS = 30;

  private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fuzz-case");
    t.setDaemon(true);
    return t;
  });

  private Bounded() {}

  /**
   * Runs {@code body}; returns {@code "ok"} or the simple name of the allowed exception it threw.
   *
   * @throws AssertionFailedError on a hang or an exception outside {@code allowed}
   */
  static String run(Set<Class<? extends MaasException>> allowed, Callable<?> body) {
    Future<?> f = WORKER.submit(body);
    try {
      f.get(LIMIT_SECONDS, TimeUnit.SECONDS);
      return "ok";
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionFailedError("case did not finish within " + LIMIT_SECONDS + " s (a hang)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted", e);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof AssertionError) {
        throw (AssertionError) t;
      }
      for (Class<? extends MaasException> c : allowed) {
        if (c.isInstance(t)) {
          return t.getClass().getSimpleName();
        }
      }
      throw new AssertionFailedError("undocumented outcome: " + t, t);
    }
  }
}
