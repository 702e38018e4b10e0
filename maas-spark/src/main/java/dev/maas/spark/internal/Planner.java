package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.ModelSignature;
import dev.maas.TensorSpec;
import dev.maas.VersionNotFoundException;
import dev.maas.spark.SparkInference;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The driver's side of a job: resolves the ref to an exact version, checks the mapping against the
 * model's signature and the dataset's schema, and builds the {@link InferencePlan} that executors
 * run. Every mistake the driver can see is reported here, before any task runs.
 */
public final class Planner {
  private Planner() {}

  /** {@link SparkInference#transform}. */
  public static Dataset<Row> transform(SparkInference spec, Dataset<Row> data) {
    ServiceConfig config = new ServiceConfig(spec.store(), spec.runtime(), spec.model().name());
    Manifest manifest = resolve(ExecutorServices.service(config), spec.model());
    InferencePlan plan = plan(spec, config, manifest, data.schema());
    return SparkInternals.mapInternalRows(data, new PartitionInference(plan), plan.outputSchema());
  }

  /** {@link SparkInference#registerUdf}. */
  public static ModelVersion registerUdf(SparkInference spec, SparkSession spark, String name) {
    ServiceConfig config = new ServiceConfig(spec.store(), spec.runtime(), spec.model().name());
    Manifest manifest = resolve(ExecutorServices.service(config), spec.model());
    ModelSignature sig = manifest.signature();
    String version = manifest.modelVersion().toString();
    if (sig.inputs().size() != 1 || sig.outputs().size() != 1) {
      throw new IllegalArgumentException("a SQL function needs a model of one input and one output; " + version
          + " takes " + sig.inputs() + " and returns " + sig.outputs());
    }
    TensorSpec in = sig.inputs().get(0);
    long[] rowShape = rowShape(in, version);
    InputBinding input = new InputBinding(in.name(), in.dtype(), rowShape,
        new String[] {"the argument of " + name + "()"}, new int[] {0}, null, describe(in, version));
    OutputBinding output = outputBinding(sig.outputs().get(0), name, version);
    InferencePlan plan = new InferencePlan(config, manifest.model(), manifest.version(), List.of(input),
        List.of(output), 1, spec.invalidRows(), false, 0, new StructType());
    spark.udf().register(name, new InferenceUdf(plan), output.columnType());
    return manifest.modelVersion();
  }

  /**
   * Resolves a ref to one version, reading the store now (not a possibly stale routing view), and
   * returns its manifest. Loads no model.
   */
  static Manifest resolve(ModelService service, ModelRef ref) {
    String model = ref.name();
    long version;
    if (ref.version().isPresent()) {
      version = ref.version().getAsLong();
    } else if (ref.alias().isPresent()) {
      String alias = ref.alias().get();
      version = service.alias(model, alias).orElseThrow(() -> new VersionNotFoundException(
          "model '" + model + "' has no alias '" + alias + "'")).version();
    } else if (ref.isLatest()) {
      List<ModelVersion> versions = service.versions(model);
      version = versions.get(versions.size() - 1).version();
    } else {
      throw new IllegalArgumentException("a Spark job runs one version; cannot run " + ref);
    }
    return service.manifest(ModelRef.of(model, version));
  }

  static InferencePlan plan(SparkInference spec, ServiceConfig config, Manifest manifest, StructType schema) {
    ModelSignature sig = manifest.signature();
    String version = manifest.modelVersion().toString();

    for (String name : spec.inputs().keySet()) {
      if (sig.input(name).isEmpty()) {
        throw new IllegalArgumentException(version + " has no input '" + name + "'; it takes " + sig.inputs());
      }
    }
    List<InputBinding> inputs = new ArrayList<>();
    for (TensorSpec in : sig.inputs()) {
      List<String> columns = spec.inputs().getOrDefault(in.name(), List.of(in.name()));
      inputs.add(inputBinding(in, columns, schema, version, spec.inputs().containsKey(in.name())));
    }

    Map<String, String> wanted = spec.outputs();
    List<OutputBinding> outputs = new ArrayList<>();
    if (wanted.isEmpty()) {
      for (TensorSpec out : sig.outputs()) {
        outputs.add(outputBinding(out, out.name(), version));
      }
    } else {
      for (Map.Entry<String, String> e : wanted.entrySet()) {
        TensorSpec out = sig.output(e.getKey()).orElseThrow(() -> new IllegalArgumentException(
            version + " has no output '" + e.getKey() + "'; it returns " + sig.outputs()));
        outputs.add(outputBinding(out, e.getValue(), version));
      }
    }

    Set<String> taken = new HashSet<>();
    for (String field : schema.fieldNames()) {
      taken.add(field.toLowerCase(Locale.ROOT));
    }
    StructType result = schema;
    for (OutputBinding o : outputs) {
      requireFree(taken, o.column, "output '" + o.output + "'");
      // Nullable: a rejected row's outputs are null when the caller chose so.
      result = result.add(new StructField(o.column, o.columnType(), true, org.apache.spark.sql.types.Metadata.empty()));
    }
    if (spec.versionColumn().isPresent()) {
      String column = spec.versionColumn().get();
      requireFree(taken, column, "the version");
      result = result.add(column, DataTypes.LongType, false);
    }
    return new InferencePlan(config, manifest.model(), manifest.version(), inputs, outputs, spec.batchSize(),
        spec.invalidRows(), spec.versionColumn().isPresent(), schema.size(), result);
  }

  private static void requireFree(Set<String> taken, String column, String what) {
    if (!taken.add(column.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("cannot write " + what + " to column '" + column
          + "': the dataset already has a column of that name");
    }
  }

  private static InputBinding inputBinding(TensorSpec in, List<String> columns, StructType schema, String version,
      boolean mapped) {
    String describe = describe(in, version);
    long[] rowShape = rowShape(in, version);
    int rowElements = Math.toIntExact(dev.maas.Tensor.elementCount(rowShape));
    boolean integral = in.dtype() == DType.INT32 || in.dtype() == DType.INT64;
    String[] sources = new String[columns.size()];
    int[] ordinals = new int[columns.size()];
    DataType[] types = new DataType[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      String column = columns.get(i);
      int ordinal = indexOf(schema, column);
      if (ordinal < 0) {
        throw new IllegalArgumentException((mapped ? "" : describe + " is not mapped, so it reads the column of its"
            + " name, but ") + "the dataset has no column '" + column + "'; its columns are "
            + Arrays.toString(schema.fieldNames()) + (mapped ? "" : "; map it with input(\"" + in.name() + "\", columns...)"));
      }
      ordinals[i] = ordinal;
      sources[i] = "column '" + column + "'";
      DataType type = schema.fields()[ordinal].dataType();
      types[i] = type;
      String kind = kindOf(type, integral);
      if (kind != null) {
        throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", which cannot feed "
            + describe + ": " + kind);
      }
      boolean scalar = isNumber(type);
      if (columns.size() > 1 && !scalar) {
        throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", but " + describe
            + " reads " + columns.size() + " columns, each of which must be a number");
      }
      if (scalar && columns.size() != rowElements) {
        throw new IllegalArgumentException(describe + " takes " + rowElements + " values per row (shape "
            + Arrays.toString(rowShape) + ") but is mapped to " + columns.size() + " numeric column"
            + (columns.size() == 1 ? "" : "s") + " " + columns);
      }
    }
    return new InputBinding(in.name(), in.dtype(), rowShape, sources, ordinals, types, describe);
  }

  /** Null if a column of {@code type} can feed an input, else why not. */
  private static String kindOf(DataType type, boolean integral) {
    if (isNumber(type)) {
      return integral && !isInteger(type) ? "the input takes integers; cast the column" : null;
    }
    if (type instanceof ArrayType array) {
      DataType element = array.elementType();
      if (!isNumber(element)) {
        return "arrays must hold numbers (nested arrays are not read: flatten them)";
      }
      return integral && !isInteger(element) ? "the input takes integers; cast the column" : null;
    }
    if (Vectors.isVectorType(type)) {
      return integral ? "vectors hold doubles but the input takes integers" : null;
    }
    return "use numeric columns, an array of numbers, or an ML vector";
  }

  private static boolean isNumber(DataType t) {
    return isInteger(t) || t.equals(DataTypes.FloatType) || t.equals(DataTypes.DoubleType) || t instanceof DecimalType;
  }

  private static boolean isInteger(DataType t) {
    return t.equals(DataTypes.ByteType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.IntegerType)
        || t.equals(DataTypes.LongType);
  }

  private static int indexOf(StructType schema, String column) {
    String[] names = schema.fieldNames();
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(column)) {
        return i;
      }
    }
    int found = -1;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(column)) {
        if (found >= 0) {
          return -1; // ambiguous
        }
        found = i;
      }
    }
    return found;
  }

  /** The dimensions after the batch dimension, which must be fixed. */
  private static long[] rowShape(TensorSpec in, String version) {
    String describe = describe(in, version);
    if (in.dtype() != DType.FLOAT32 && in.dtype() != DType.FLOAT64 && in.dtype() != DType.INT32
        && in.dtype() != DType.INT64) {
      throw new IllegalArgumentException(describe + " cannot be fed from Spark: supported input types are float32,"
          + " float64, int32 and int64");
    }
    if (!in.hasShape() || in.shape().isEmpty() || in.shape().get(0).isFixed()) {
      throw new IllegalArgumentException(describe + " cannot take a batch of rows: its first dimension must be"
          + " dynamic (the batch)");
    }
    List<Dimension> dims = in.shape();
    long[] row = new long[dims.size() - 1];
    for (int i = 1; i < dims.size(); i++) {
      if (!dims.get(i).isFixed()) {
        throw new IllegalArgumentException(describe + " has a dynamic dimension " + i + " ('" + dims.get(i)
            + "'); maas-spark needs every dimension after the batch fixed");
      }
      row[i - 1] = dims.get(i).size();
    }
    return row;
  }

  private static OutputBinding outputBinding(TensorSpec out, String column, String version) {
    String describe = "output '" + out.name() + "' (" + out.dtype() + out.shapeString() + ") of " + version;
    if (!OutputBinding.supported(out.dtype())) {
      throw new IllegalArgumentException(describe + " has no Spark column type");
    }
    if (out.hasShape() && (out.shape().isEmpty() || out.shape().get(0).isFixed())) {
      throw new IllegalArgumentException(describe + " cannot be split into rows: its first dimension must be"
          + " dynamic (the batch)");
    }
    boolean scalar = out.hasShape() && out.shape().size() == 1;
    return new OutputBinding(out.name(), column, out.dtype(), scalar);
  }

  private static String describe(TensorSpec in, String version) {
    return "input '" + in.name() + "' (" + in.dtype() + in.shapeString() + ") of " + version;
  }
}
