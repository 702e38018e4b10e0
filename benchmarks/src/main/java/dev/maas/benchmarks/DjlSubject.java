package dev.maas.benchmarks;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL with its ONNX Runtime engine, as a JVM user would call it: a {@link ZooModel} loaded from the
 * local {@code .onnx} file through {@link Criteria}, and one {@link Predictor} per calling thread
 * (predictors are not thread-safe; DJL recommends one per thread over the one shared model). Each
 * call's translator builds the input {@link NDArray}s from the {@link Feed}'s Java arrays
 * ({@code NDManager.create(float[]/long[], Shape)}, which ONNX Runtime copies into a direct
 * buffer, as raw ORT does), runs, and copies the output into a new {@code float[]} ({@code
 * NDArray.toFloatArray()}: ONNX Runtime's copy into a heap buffer, then a second copy into the
 * array, which is what DJL does). Thread-safe: every thread gets its own predictor.
 *
 * <p>The session gets the same settings as the other systems through DJL's ONNX Runtime options:
 * {@code intraOpNumThreads}, {@code interOpNumThreads} (DJL applies the intra-op count only when
 * the inter-op count is given too), {@code executionMode} SEQUENTIAL, {@code optLevel} ALL_OPT.
 *
 * <p><b>Offline.</b> DJL calls a cloud metadata address when its engine starts unless told not to.
 * {@code benchmarks/run.sh} exports {@code DJL_OFFLINE=true} and {@code OPT_OUT_TRACKING=true};
 * this class also sets their system-property twins ({@code ai.djl.offline}, {@code
 * OPT_OUT_TRACKING}) before DJL's first use, so a hand-run JVM stays offline too, and points
 * {@code DJL_CACHE_DIR} and {@code ENGINE_CACHE_DIR} at {@code <maas.bench.out>/djl-cache} so
 * that nothing is written to {@code ~/.djl.ai}. Environment variables of the same names win.
 */
public final class DjlSubject implements Subject {
  static {
    offline();
  }

  private final ZooModel<Feed, float[]> model;
  private final List<Predictor<Feed, float[]>> predictors = new ArrayList<>();
  private final ThreadLocal<Predictor<Feed, float[]>> predictor = ThreadLocal.withInitial(this::newPredictor);

  /**
   * Loads {@code model}'s file with DJL's ONNX Runtime engine and makes one warm-up call.
   *
   * @param model the model
   * @param settings ONNX Runtime's threads, as the other systems get them
   */
  public DjlSubject(BenchModel model, OrtSettings settings) {
    Criteria<Feed, float[]> criteria = Criteria.builder()
        .setTypes(Feed.class, float[].class)
        .optModelPath(model.file())
        .optEngine("OnnxRuntime")
        .optTranslator(new FeedTranslator())
        .optOption("interOpNumThreads", String.valueOf(settings.interOpThreads()))
        .optOption("intraOpNumThreads", String.valueOf(settings.intraOpThreads()))
        .optOption("executionMode", "SEQUENTIAL")
        .optOption("optLevel", "ALL_OPT")
        .build();
    try {
      this.model = criteria.loadModel();
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      throw new IllegalStateException("DJL cannot load " + model.file() + ": " + e.getMessage(), e);
    }
    call(model.feed(1, 0)); // the first call pays DJL's and ORT's one-off set-up, not the first measured one
  }

  /**
   * Sets DJL's offline, no-tracking and cache-directory system properties unless already set; DJL
   * reads them (after the environment variables of the same names) when its engine starts.
   */
  static void offline() {
    Path cache = StatsFile.dir().resolve("djl-cache").toAbsolutePath();
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    setIfAbsent("DJL_CACHE_DIR", cache.toString());
    setIfAbsent("ENGINE_CACHE_DIR", cache.toString());
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  @Override
  public float[] call(Feed feed) {
    try {
      return predictor.get().predict(feed);
    } catch (TranslateException e) {
      throw new IllegalStateException(e);
    }
  }

  private Predictor<Feed, float[]> newPredictor() {
    Predictor<Feed, float[]> p = model.newPredictor();
    synchronized (predictors) {
      predictors.add(p);
    }
    return p;
  }

  /** Closes every thread's predictor, then the model. Call it when no call is in flight. */
  @Override
  public void close() {
    synchronized (predictors) {
      predictors.forEach(Predictor::close);
      predictors.clear();
    }
    model.close();
  }

  /**
   * Java arrays in, {@code float[]} out: the conversions every subject does per call. Stateless,
   * so one instance serves every predictor. No batchifier: each call is one request as given.
   */
  private static final class FeedTranslator implements NoBatchifyTranslator<Feed, float[]> {
    /** The context attachment naming the output to copy back, set per call from the feed. */
    private static final String OUTPUT = "output";

    @Override
    public NDList processInput(TranslatorContext ctx, Feed feed) {
      ctx.setAttachment(OUTPUT, feed.output());
      NDManager m = ctx.getNDManager();
      NDList list = new NDList(feed.inputs().size());
      for (Feed.Input i : feed.inputs()) {
        Shape shape = new Shape(i.shape());
        NDArray a = i.values() instanceof float[] f ? m.create(f, shape) : m.create((long[]) i.values(), shape);
        a.setName(i.name()); // matched to the model's inputs by name
        list.add(a);
      }
      return list;
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      return list.get((String) ctx.getAttachment(OUTPUT)).toFloatArray();
    }
  }
}
