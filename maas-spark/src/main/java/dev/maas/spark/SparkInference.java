package dev.maas.spark;

import dev.maas.ModelRef;
import dev.maas.spark.internal.Planner;
import dev.maas.version.ModelVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Batch inference with a maas model over a Spark {@link Dataset}: the rows of each partition are
 * fed to the model in batches, inside the executors, and the model's outputs come back as new
 * columns.
 *
 * <pre>{@code
 * SparkInference scoring = SparkInference.builder()
 *     .store(StoreSpec.parse("/mnt/models"))           // a path every node sees
 *     .model("mlp@prod")                               // resolved once, when transform is called
 *     .input("x", "features")                          // an array or vector column, or several numeric columns
 *     .output("y", "prediction")
 *     .versionColumn("model_version")
 *     .build();
 * Dataset<Row> scored = scoring.transform(events);
 * }</pre>
 *
 * <p><b>Versions.</b> {@link #transform} resolves the model ref on the driver, once, to an exact
 * version, and every task of every action on the returned dataset runs that version: an alias
 * moved during a long job cannot mix versions in one output. Call {@code transform} again to pick
 * up a promotion.
 *
 * <p><b>Executors.</b> Each executor JVM makes one {@link dev.maas.ModelService} per distinct
 * store, runtime and model on first use, shared by all its tasks, and closes it when the JVM
 * exits; the model is loaded once per executor (its blob verified first). Tasks call the service
 * on their own threads, as many at once as the executor has task slots. The driver uses such a
 * service too, to resolve the ref and read the model's signature; it loads no model.
 *
 * <p><b>Mapping.</b> Each model input reads from one array column ({@code array<float>}, {@code
 * array<double>}, any numeric element type), one Spark ML vector column, or several numeric columns
 * (one value each, in the order given); a model input that is not mapped reads from the column of
 * its own name. The values of a row fill the input's per-row shape (the dimensions after the first,
 * which must be fixed) in row-major order. Each mapped output becomes a column: one value per row
 * for an output of rank 1, an array of the row's values otherwise; without any output mapping,
 * every output becomes a column of its own name. Supported input dtypes: float32, float64, int32,
 * int64 (integer inputs take integer columns only).
 *
 * <p><b>Rows that do not fit</b> (a null, an array or vector of the wrong length) fail the job with
 * an {@link dev.maas.InvalidInputException} naming the column and the row's shape, or yield nulls
 * and are counted, as {@link InvalidRows} says. Columns whose type cannot feed the model are
 * refused by {@code transform} itself, before any task runs.
 *
 * <p>Immutable and thread-safe; derive variants with {@link #newBuilder()}.
 */
public final class SparkInference {
  /** The default number of rows per model call. */
  public static final int DEFAULT_BATCH_SIZE = 512;
  /** The largest batch size accepted. */
  public static final int MAX_BATCH_SIZE = 1 << 20;

  private final StoreSpec store;
  private final ModelRef model;
  private final Map<String, List<String>> inputs;
  private final Map<String, String> outputs;
  private final String versionColumn;
  private final int batchSize;
  private final InvalidRows invalidRows;
  private final RuntimeFactory runtime;

  private SparkInference(Builder b) {
    this.store = b.store;
    this.model = b.model;
    this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(b.inputs));
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(b.outputs));
    this.versionColumn = b.versionColumn;
    this.batchSize = b.batchSize;
    this.invalidRows = b.invalidRows;
    this.runtime = b.runtime;
  }

  /** A builder with the defaults: batches of {@value #DEFAULT_BATCH_SIZE}, failing on bad rows, the discovered runtime. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration, to derive a variant. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /**
   * Adds the model's outputs (and the version column, if set) to {@code data}. The version is
   * resolved now, on the driver, and the mapping checked against the model's signature and {@code
   * data}'s schema; the rows are scored when an action runs. As with {@code data.rdd()}, {@code
   * data}'s plan is prepared now: with adaptive query execution on (Spark's default), shuffles
   * upstream of {@code data} run now, and the action reuses their output. Needs a classic Spark
   * session (not a Spark Connect client) and a batch dataset.
   *
   * @param data the rows to score; its columns are kept, in order, before the new ones
   * @return {@code data} with the output columns appended
   * @throws IllegalArgumentException if a column is missing, of a type that cannot feed its input,
   *     clashes with an existing column, the model's signature cannot be run in batches of rows,
   *     or {@code data} is streaming or belongs to a Spark Connect session
   * @throws dev.maas.ModelNotFoundException if the model does not exist
   * @throws dev.maas.VersionNotFoundException if the version or alias does not exist
   * @throws dev.maas.StoreException if the store cannot be read
   */
  public Dataset<Row> transform(Dataset<Row> data) {
    Objects.requireNonNull(data, "data");
    return Planner.transform(this, data);
  }

  /**
   * Registers a Spark SQL function {@code name(value)} that runs this model, for models of one
   * input and one output. Its argument is a number, an array of numbers or an ML vector holding
   * one row's values; it returns the output's row (a value for an output of rank 1, else an
   * array). The input and output mappings of this configuration are not used; the batch size
   * neither: a SQL function is called once per row, so each row is one model call — {@link
   * #transform} is the fast path for large datasets. The version is resolved now and fixed in the
   * function; register again to pick up a promotion.
   *
   * <pre>{@code
   * scoring.registerUdf(spark, "score");
   * spark.sql("SELECT id, score(features) AS prediction FROM events");
   * }</pre>
   *
   * @param spark the session to register the function in
   * @param name the function's name
   * @return the version the function runs
   * @throws IllegalArgumentException if the model has more than one input or output, or they
   *     cannot be run in rows
   */
  public ModelVersion registerUdf(SparkSession spark, String name) {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("function name is blank");
    }
    return Planner.registerUdf(this, spark, name);
  }

  /** Where the model store is. */
  public StoreSpec store() {
    return store;
  }

  /** The model ref, resolved to an exact version by each {@link #transform} call. */
  public ModelRef model() {
    return model;
  }

  /** Model input name to the columns it reads, as given to the builder (unmodifiable). */
  public Map<String, List<String>> inputs() {
    return inputs;
  }

  /** Model output name to the column it becomes, as given to the builder (unmodifiable). */
  public Map<String, String> outputs() {
    return outputs;
  }

  /** The column holding the version number that scored each row, if one was asked for. */
  public Optional<String> versionColumn() {
    return Optional.ofNullable(versionColumn);
  }

  /** The most rows per model call. */
  public int batchSize() {
    return batchSize;
  }

  /** What a row that does not fit the model does. */
  public InvalidRows invalidRows() {
    return invalidRows;
  }

  /** Makes the executors' runtime. */
  public RuntimeFactory runtime() {
    return runtime;
  }

  @Override
  public String toString() {
    return "SparkInference{" + model + " in " + store + ", inputs " + inputs + ", outputs " + outputs
        + (versionColumn == null ? "" : ", version column " + versionColumn) + ", batch " + batchSize
        + ", invalid rows " + invalidRows + ", runtime " + runtime + "}";
  }

  /**
   * Builds a {@link SparkInference}. Each setter validates at once; {@link #build()} checks that
   * a store and a model were set. Not thread-safe.
   */
  public static final class Builder {
    private StoreSpec store;
    private ModelRef model;
    private final Map<String, List<String>> inputs = new LinkedHashMap<>();
    private final Map<String, String> outputs = new LinkedHashMap<>();
    private String versionColumn;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private InvalidRows invalidRows = InvalidRows.fail();
    private RuntimeFactory runtime = RuntimeFactory.discover();

    private Builder() {}

    private Builder(SparkInference s) {
      this.store = s.store;
      this.model = s.model;
      this.inputs.putAll(s.inputs);
      this.outputs.putAll(s.outputs);
      this.versionColumn = s.versionColumn;
      this.batchSize = s.batchSize;
      this.invalidRows = s.invalidRows;
      this.runtime = s.runtime;
    }

    /** The model store, as every executor will open it. Required. */
    public Builder store(StoreSpec store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The model: {@code "name"} (latest), {@code "name:7"} (exact) or {@code "name@alias"}.
     * Required.
     *
     * @throws dev.maas.InvalidInputException if the ref cannot be parsed
     */
    public Builder model(String ref) {
      return model(ModelRef.parse(Objects.requireNonNull(ref, "ref")));
    }

    /**
     * The model, by a ref naming one version: latest, exact or alias. Required.
     *
     * @throws IllegalArgumentException for a split or shadowed ref: one job runs one version
     */
    public Builder model(ModelRef ref) {
      Objects.requireNonNull(ref, "ref");
      if (!ref.isLatest() && ref.version().isEmpty() && ref.alias().isEmpty()) {
        throw new IllegalArgumentException("a Spark job runs one version, so the ref must be latest, exact or an alias,"
            + " not " + ref.resolver());
      }
      this.model = ref;
      return this;
    }

    /**
     * Feeds model input {@code input} from {@code columns}: one array or vector column holding a
     * row's values, or one numeric column per value, in row-major order.
     *
     * @throws IllegalArgumentException if no column is given, a name is blank, a column is
     *     repeated, or the input is already mapped
     */
    public Builder input(String input, String... columns) {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(columns, "columns");
      requireName(input, "input name");
      if (columns.length == 0) {
        throw new IllegalArgumentException("input '" + input + "' needs at least one column");
      }
      List<String> list = new ArrayList<>(columns.length);
      for (String c : columns) {
        requireName(Objects.requireNonNull(c, "column"), "column name");
        if (list.contains(c)) {
          throw new IllegalArgumentException("column '" + c + "' is given twice for input '" + input + "'");
        }
        list.add(c);
      }
      if (inputs.containsKey(input)) {
        throw new IllegalArgumentException("input '" + input + "' is already mapped, to " + inputs.get(input));
      }
      inputs.put(input, List.copyOf(list));
      return this;
    }

    /**
     * Writes model output {@code output} to a new column {@code column}.
     *
     * @throws IllegalArgumentException if a name is blank, the output is already mapped, or the
     *     column is already the target of another output or the version column
     */
    public Builder output(String output, String column) {
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(column, "column");
      requireName(output, "output name");
      requireName(column, "column name");
      if (outputs.containsKey(output)) {
        throw new IllegalArgumentException("output '" + output + "' is already mapped, to '" + outputs.get(output) + "'");
      }
      requireNewColumn(column);
      outputs.put(output, column);
      return this;
    }

    /**
     * Adds a column (bigint) with the version number that scored each row; none by default.
     *
     * @throws IllegalArgumentException if the name is blank or already an output column
     */
    public Builder versionColumn(String column) {
      Objects.requireNonNull(column, "column");
      requireName(column, "column name");
      String previous = versionColumn;
      versionColumn = null;
      try {
        requireNewColumn(column);
      } catch (IllegalArgumentException e) {
        versionColumn = previous;
        throw e;
      }
      versionColumn = column;
      return this;
    }

    /**
     * The most rows per model call; {@value SparkInference#DEFAULT_BATCH_SIZE} by default. Larger
     * batches amortize the cost of a call; each task holds one batch of inputs and outputs.
     *
     * @throws IllegalArgumentException if not in 1..{@value SparkInference#MAX_BATCH_SIZE}
     */
    public Builder batchSize(int rows) {
      if (rows < 1 || rows > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException("batch size must be in 1.." + MAX_BATCH_SIZE + ", got " + rows);
      }
      this.batchSize = rows;
      return this;
    }

    /** What a row that does not fit the model does; {@link InvalidRows#fail()} by default. */
    public Builder invalidRows(InvalidRows policy) {
      this.invalidRows = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Makes the executors' runtime; {@link RuntimeFactory#discover()} by default. */
    public Builder runtime(RuntimeFactory factory) {
      this.runtime = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalStateException if no store or no model was set
     */
    public SparkInference build() {
      if (store == null) {
        throw new IllegalStateException("no model store: call store(StoreSpec) on the builder");
      }
      if (model == null) {
        throw new IllegalStateException("no model: call model(\"name@alias\") on the builder");
      }
      return new SparkInference(this);
    }

    private void requireNewColumn(String column) {
      String key = column.toLowerCase(Locale.ROOT);
      for (String c : outputs.values()) {
        if (c.toLowerCase(Locale.ROOT).equals(key)) {
          throw new IllegalArgumentException("column '" + column + "' is already an output column");
        }
      }
      if (versionColumn != null && versionColumn.toLowerCase(Locale.ROOT).equals(key)) {
        throw new IllegalArgumentException("column '" + column + "' is already the version column");
      }
    }

    private static void requireName(String name, String what) {
      if (name.isBlank()) {
        throw new IllegalArgumentException(what + " is blank");
      }
    }
  }
}
