package dev.maas.spark.internal;

import dev.maas.ModelService;
import dev.maas.batch.BatchingPolicy;
import dev.maas.spi.ModelStore;
import dev.maas.spi.Runtime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model services of this JVM (an executor, or the driver), one per {@link ServiceConfig},
 * made on first use and shared by every task; closed when the JVM exits. In local mode the driver
 * and the executor are one JVM and share them.
 *
 * <p>Each service runs the job's requests on the calling task thread (batching off: the job
 * batches rows itself) with as many concurrent runs allowed as the executor has task slots.
 */
public final class ExecutorServices {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorServices.class);
  private static final Pattern LOCAL = Pattern.compile("local(?:-cluster)?\\[(\\d+|\\*)(?:,\\s*\\d+)?\\]");
  /** Executors see exact versions only, which the catalog reads on a miss: polling can be rare. */
  private static final Duration REFRESH = Duration.ofMinutes(5);

  private static final ConcurrentHashMap<String, Held> SERVICES = new ConcurrentHashMap<>();
  private static final AtomicBoolean HOOKED = new AtomicBoolean();

  private ExecutorServices() {}

  /** A service and what it was made of; we close what we created. */
  private record Held(ServiceConfig config, ModelService service, Runtime runtime, ModelStore store) {
    void close() {
      try {
        service.close();
      } finally {
        try {
          runtime.close();
        } finally {
          try {
            Stores.close(store);
          } catch (Exception e) {
            LOG.warn("closing the store of {} failed: {}", config, e.toString());
          }
        }
      }
    }
  }

  /** This JVM's service for {@code config}, made now if it is the first use. */
  public static ModelService service(ServiceConfig config) {
    Held held = SERVICES.get(config.key());
    if (held == null) {
      held = SERVICES.computeIfAbsent(config.key(), k -> open(config));
    }
    return held.service();
  }

  private static Held open(ServiceConfig config) {
    if (HOOKED.compareAndSet(false, true)) {
      java.lang.Runtime.getRuntime().addShutdownHook(new Thread(ExecutorServices::closeAll, "maas-spark-shutdown"));
    }
    ModelStore store = Stores.open(config.store());
    Runtime runtime = null;
    try {
      runtime = config.runtime().create();
      int slots = taskSlots();
      ModelService service = ModelService.builder()
          .store(store)
          .runtime(runtime)
          .refreshInterval(REFRESH)
          .batching(config.model(), BatchingPolicy.defaults().withInstances(slots))
          .build();
      LOG.info("maas service for {} started with {} concurrent runs", config, slots);
      return new Held(config, service, runtime, store);
    } catch (RuntimeException | Error e) {
      if (runtime != null) {
        runtime.close();
      }
      try {
        Stores.close(store);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Closes every service of this JVM and forgets them; the next use makes new ones. Runs at JVM
   * exit; tests call it to start clean.
   */
  public static void closeAll() {
    List<Held> all = new ArrayList<>();
    for (String key : List.copyOf(SERVICES.keySet())) {
      Held h = SERVICES.remove(key);
      if (h != null) {
        all.add(h);
      }
    }
    for (Held h : all) {
      try {
        h.close();
      } catch (RuntimeException e) {
        LOG.warn("closing the maas service for {} failed: {}", h.config(), e.toString());
      }
    }
  }

  /**
   * How many tasks may run at once in this JVM: the executor's cores, or N of {@code local[N]};
   * at least the machine's processor count, since more allowed runs than tasks cost nothing.
   */
  static int taskSlots() {
    int slots = java.lang.Runtime.getRuntime().availableProcessors();
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      return slots;
    }
    SparkConf conf = env.conf();
    int taskCpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
    Matcher local = LOCAL.matcher(conf.get("spark.master", ""));
    if (local.matches()) {
      return local.group(1).equals("*") ? slots : Math.max(slots, Integer.parseInt(local.group(1)));
    }
    return Math.max(slots, conf.getInt("spark.executor.cores", slots) / taskCpus);
  }
}
