package dev.maas.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.maas.ModelLoadException;
import dev.maas.ModelSignature;
import dev.maas.onnx.internal.OnnxLoadedModel;
import dev.maas.onnx.internal.Telemetry;
import dev.maas.spi.LoadedModel;
import dev.maas.spi.ModelSource;
import dev.maas.spi.Runtime;
import java.nio.file.Files;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX Runtime backend: loads {@code .onnx} models into ONNX Runtime sessions.
 *
 * <pre>{@code
 * ModelService maas = ModelService.builder()
 *     .storeDirectory(Path.of("models"))
 *     .runtime(OnnxRuntime.create(OnnxOptions.defaults().withThreads(2, 1)))
 *     .build();
 * }</pre>
 *
 * <p>With maas-runtime-onnx on the classpath, {@code ModelService.builder()} finds this runtime by
 * itself (with {@link OnnxOptions#defaults()}).
 *
 * <p><b>Privacy.</b> Creating this runtime sets {@code ORT_DISABLE_TELEMETRY=1} in the process
 * environment before ONNX Runtime's native library loads, so ONNX Runtime sends no telemetry; start
 * the JVM with {@code -Dmaas.onnx.telemetry=true} to allow it. If the application loaded ONNX Runtime
 * itself earlier, set the variable in the environment instead.
 *
 * <p><b>Devices.</b> See {@link OnnxOptions#executionProviders()}: CUDA when asked for and usable,
 * the CPU otherwise (if allowed), with one log line saying why.
 *
 * <p>Thread-safe. Closing the runtime closes nothing the caller loaded; each {@link LoadedModel} is
 * closed by its owner.
 */
public final class OnnxRuntime implements Runtime {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxRuntime.class);

  private final OnnxOptions options;
  private final OrtEnvironment env;
  private final AtomicBoolean fallbackLogged = new AtomicBoolean();

  private OnnxRuntime(OnnxOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    Telemetry.disableBeforeNativeLoad();
    this.env = OrtEnvironment.getEnvironment();
    if (!Telemetry.optedIn()) {
      try {
        env.setTelemetry(false);
      } catch (OrtException e) {
        LOG.debug("setTelemetry(false) failed: {}", e.toString());
      }
    }
  }

  /** A runtime with {@link OnnxOptions#defaults()}. */
  public static OnnxRuntime create() {
    return new OnnxRuntime(OnnxOptions.defaults());
  }

  /** A runtime with the given options. */
  public static OnnxRuntime create(OnnxOptions options) {
    return new OnnxRuntime(options);
  }

  /** The options this runtime loads models with. */
  public OnnxOptions options() {
    return options;
  }

  @Override
  public String name() {
    return "onnx";
  }

  @Override
  public ModelSignature inspect(ModelSource source) {
    // Inspecting needs no graph optimization and no device: load on the CPU, read, close.
    OnnxOptions cpu = OnnxOptions.defaults().withThreads(1, 1)
        .withOptimizationLevel(OnnxOptions.OptimizationLevel.DISABLED);
    try (LoadedModel m = load(source, cpu)) {
      return m.signature();
    }
  }

  @Override
  public LoadedModel load(ModelSource source) {
    return load(source, options);
  }

  private LoadedModel load(ModelSource source, OnnxOptions opts) {
    long footprint = size(source);
    ExecutionProvider wanted = opts.executionProviders().get(0);
    if (wanted.kind() == ExecutionProvider.Kind.CUDA) {
      try {
        return open(source, opts, wanted, footprint);
      } catch (ModelLoadException e) {
        if (!opts.cpuFallback()) {
          throw new ModelLoadException("cannot load " + source.fileName() + " on " + wanted
              + " and the CPU is not among the allowed providers " + opts.executionProviders() + ": "
              + e.getMessage(), e);
        }
        String why = e.getMessage();
        if (fallbackLogged.compareAndSet(false, true)) {
          LOG.warn("{} is not usable ({}); running models on the CPU", wanted, why);
        } else {
          LOG.debug("{} not usable for {} ({}); running on the CPU", wanted, source.fileName(), why);
        }
      }
    }
    return open(source, opts, ExecutionProvider.cpu(), footprint);
  }

  /** ONNX Runtime's names of the spinning settings. */
  static final String INTRA_OP_SPINNING = "session.intra_op.allow_spinning";
  static final String INTER_OP_SPINNING = "session.inter_op.allow_spinning";
  static final String SPINNING_STOPS_AFTER_RUN = "session.force_spinning_stop";

  /**
   * ONNX Runtime session options set as a runtime made with {@code options} sets them for its CPU
   * sessions (threads, spinning, optimization level), for running a model on ONNX Runtime directly
   * with maas's settings, e.g. to compare the two. The caller closes them.
   *
   * @param options the runtime's options
   * @return new session options
   * @throws OrtException if ONNX Runtime refuses a setting
   */
  public static OrtSession.SessionOptions cpuSessionOptions(OnnxOptions options) throws OrtException {
    return sessionOptions(Objects.requireNonNull(options, "options"), ExecutionProvider.cpu());
  }

  /** The session options {@code opts} stand for, on {@code provider}; the caller closes them. */
  static OrtSession.SessionOptions sessionOptions(OnnxOptions opts, ExecutionProvider provider) throws OrtException {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      if (opts.intraOpThreads() > 0) {
        so.setIntraOpNumThreads(opts.intraOpThreads());
      }
      if (opts.interOpThreads() > 0) {
        so.setInterOpNumThreads(opts.interOpThreads());
      }
      so.addConfigEntry(INTRA_OP_SPINNING, opts.intraOpSpinning() ? "1" : "0");
      so.addConfigEntry(INTER_OP_SPINNING, opts.interOpSpinning() ? "1" : "0");
      so.addConfigEntry(SPINNING_STOPS_AFTER_RUN, opts.spinningStopsAfterRun() ? "1" : "0");
      so.setOptimizationLevel(level(opts.optimizationLevel()));
      if (provider.kind() == ExecutionProvider.Kind.CUDA) {
        so.addCUDA(provider.deviceId());
      }
      return so;
    } catch (Throwable t) {
      so.close();
      throw t;
    }
  }

  private OnnxLoadedModel open(ModelSource source, OnnxOptions opts, ExecutionProvider provider, long footprint) {
    try (OrtSession.SessionOptions so = sessionOptions(opts, provider)) {
      if (source.path() != null && isOrtFormatName(source.fileName()) && !isOrtFormatName(source.path().toString())) {
        // ORT tells its own format from a file by the extension (and from bytes by their header):
        // a file named otherwise, such as a cache entry named by its digest, must be said to be one.
        so.addConfigEntry("session.load_model_format", "ORT");
      }
      OrtSession session = source.path() != null
          ? env.createSession(source.path().toString(), so)
          : env.createSession(source.bytes(), so);
      return new OnnxLoadedModel(env, session, provider.toString(), footprint, source.fileName());
    } catch (OrtException e) {
      throw new ModelLoadException("ONNX Runtime cannot load " + source.fileName() + ": " + firstLine(e.getMessage()), e);
    } catch (dev.maas.MaasException e) {
      throw e;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      throw new ModelLoadException("ONNX Runtime cannot load " + source.fileName() + " on " + provider + ": " + e, e);
    }
  }

  private static boolean isOrtFormatName(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).endsWith(".ort");
  }

  private static OrtSession.SessionOptions.OptLevel level(OnnxOptions.OptimizationLevel l) {
    switch (l) {
      case DISABLED: return OrtSession.SessionOptions.OptLevel.NO_OPT;
      case BASIC: return OrtSession.SessionOptions.OptLevel.BASIC_OPT;
      case EXTENDED: return OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
      default: return OrtSession.SessionOptions.OptLevel.ALL_OPT;
    }
  }

  private static long size(ModelSource source) {
    if (source.bytes() != null) {
      return source.bytes().length;
    }
    try {
      return Files.size(source.path());
    } catch (java.io.IOException e) {
      throw new ModelLoadException("cannot read " + source.path() + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().split("\n", 2)[0];
  }

  @Override
  public String toString() {
    return "OnnxRuntime" + options;
  }
}
