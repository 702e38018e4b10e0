package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.Tensor;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.Platform;

/**
 * How one model input is read from a row: from which columns, into what dtype and per-row shape.
 * Each column gives either one number (a numeric column) or the whole row's values (an array or
 * vector column). {@link Batch} collects many rows into one tensor.
 *
 * <p>Rows are read in Spark's internal form ({@link InternalRow}, {@link ArrayData}), straight
 * into the batch's buffer, so no value is boxed on the way; the SQL function reads Spark's
 * external values (boxed numbers, Scala sequences, vectors) instead.
 */
final class InputBinding implements Serializable {
  private static final long serialVersionUID = 1L;

  // What one column holds: a number of some type, an array of such numbers, or an ML vector.
  private static final int BYTE = 0;
  private static final int SHORT = 1;
  private static final int INT = 2;
  private static final int LONG = 3;
  private static final int FLOAT = 4;
  private static final int DOUBLE = 5;
  private static final int DECIMAL = 6;
  private static final int VECTOR = 7;

  final String input;
  final DType dtype;
  final long[] rowShape;
  final int rowElements;
  /** Where each value comes from, for messages: {@code column 'features'}. */
  final String[] sources;
  final int[] ordinals;
  /** The type of each column, or null for the SQL function (whose values are external objects). */
  private final DataType[] types;
  private final int[] codes;
  private final boolean[] arrays;
  /** Where the model takes what, for messages: e.g. {@code input 'x' (float32[batch, 4]) of mlp:1}. */
  final String describe;

  InputBinding(String input, DType dtype, long[] rowShape, String[] sources, int[] ordinals, DataType[] types,
      String describe) {
    this.input = input;
    this.dtype = dtype;
    this.rowShape = rowShape.clone();
    this.rowElements = Math.toIntExact(Tensor.elementCount(rowShape));
    this.sources = sources.clone();
    this.ordinals = ordinals.clone();
    this.types = types == null ? null : types.clone();
    this.describe = describe;
    this.codes = new int[sources.length];
    this.arrays = new boolean[sources.length];
    if (types != null) {
      for (int c = 0; c < types.length; c++) {
        DataType t = types[c];
        arrays[c] = t instanceof ArrayType;
        codes[c] = Vectors.isVectorType(t) ? VECTOR : code(arrays[c] ? ((ArrayType) t).elementType() : t);
      }
    }
  }

  /** The code of a numeric type; planning has refused every other type. */
  private static int code(DataType t) {
    if (t.equals(DataTypes.ByteType)) {
      return BYTE;
    } else if (t.equals(DataTypes.ShortType)) {
      return SHORT;
    } else if (t.equals(DataTypes.IntegerType)) {
      return INT;
    } else if (t.equals(DataTypes.LongType)) {
      return LONG;
    } else if (t.equals(DataTypes.FloatType)) {
      return FLOAT;
    } else if (t.equals(DataTypes.DoubleType)) {
      return DOUBLE;
    } else if (t instanceof DecimalType) {
      return DECIMAL;
    }
    throw new IllegalArgumentException("not a numeric type: " + t);
  }

  /** Whether the dtype takes integers only. */
  boolean integral() {
    return dtype == DType.INT32 || dtype == DType.INT64;
  }

  /** Values per row that each column gives. */
  int perColumn() {
    return sources.length == 1 ? rowElements : 1;
  }

  /** A batch of up to {@code capacity} rows for this input. */
  Batch newBatch(int capacity) {
    return new Batch(capacity);
  }

  /**
   * Row values collected into one Java array, copied once per batch into the tensor. Array columns
   * of the input's own element type are copied from Spark's memory in bulk, without an array of
   * their own per row.
   */
  final class Batch {
    private final float[] floats;
    private final double[] doubles;
    private final int[] ints;
    private final long[] longs;

    Batch(int capacity) {
      int n = capacity * rowElements;
      this.floats = dtype == DType.FLOAT32 ? new float[n] : null;
      this.doubles = dtype == DType.FLOAT64 ? new double[n] : null;
      this.ints = dtype == DType.INT32 ? new int[n] : null;
      this.longs = dtype == DType.INT64 ? new long[n] : null;
    }

    // ---------------------------------------------------------------- Spark's internal rows

    /**
     * Writes an internal row's values at slot {@code slot}.
     *
     * @return null, or why the row does not fit (then the slot holds garbage)
     */
    String put(InternalRow row, int slot) {
      int at = slot * rowElements;
      int per = perColumn();
      for (int c = 0; c < ordinals.length; c++) {
        String problem = putColumn(row, c, at + c * per, per);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }

    private String putColumn(InternalRow row, int c, int at, int expected) {
      int ordinal = ordinals[c];
      if (row.isNullAt(ordinal)) {
        return nullProblem(sources[c], expected);
      }
      int code = codes[c];
      if (code == VECTOR) {
        // VectorUDT's struct: (type, size, indices, values); type 1 is dense, its values as they are.
        InternalRow vector = row.getStruct(ordinal, 4);
        if (vector.getByte(0) == 1) {
          return putDenseVector(vector.getArray(3), sources[c], at, expected);
        }
        UserDefinedType<?> udt = (UserDefinedType<?>) types[c];
        return putVector(udt.deserialize(vector), sources[c], at, expected);
      }
      if (!arrays[c]) {
        if (expected != 1) {
          return shapeProblem(sources[c], "a single number, shape []", expected);
        }
        return putElement(row, ordinal, code, types[c], at, sources[c]);
      }
      ArrayData array = row.getArray(ordinal);
      int length = array.numElements();
      if (length != expected) {
        return shapeProblem(sources[c], length + " values, shape [" + length + "]", expected);
      }
      boolean mayHoldNulls = ((ArrayType) types[c]).containsNull();
      // An unsafe array keeps a bit per element: a word of them at a time says "no null" at once.
      if (mayHoldNulls && (!(array instanceof UnsafeArrayData unsafe) || hasNull(unsafe, length))) {
        for (int i = 0; i < length; i++) {
          if (array.isNullAt(i)) {
            return sources[c] + " has a null at index " + i + " (shape [" + length + "]), but " + describe
                + " takes numbers";
          }
        }
      }
      // The common cases copy in bulk; the rest convert element by element.
      if (code == FLOAT && floats != null) {
        if (array instanceof UnsafeArrayData unsafe) {
          Platform.copyMemory(unsafe.getBaseObject(), valuesOffset(unsafe, length), floats,
              Platform.FLOAT_ARRAY_OFFSET + 4L * at, 4L * length);
        } else {
          System.arraycopy(array.toFloatArray(), 0, floats, at, length);
        }
        return null;
      }
      if (code == DOUBLE && doubles != null) {
        if (array instanceof UnsafeArrayData unsafe) {
          Platform.copyMemory(unsafe.getBaseObject(), valuesOffset(unsafe, length), doubles,
              Platform.DOUBLE_ARRAY_OFFSET + 8L * at, 8L * length);
        } else {
          System.arraycopy(array.toDoubleArray(), 0, doubles, at, length);
        }
        return null;
      }
      DataType element = ((ArrayType) types[c]).elementType();
      for (int i = 0; i < length; i++) {
        String problem = putElement(array, i, code, element, at + i, sources[c]);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }

    /** Whether any of an unsafe array's null bits is set (they follow its 8-byte element count). */
    private boolean hasNull(UnsafeArrayData array, int length) {
      Object base = array.getBaseObject();
      long bits = array.getBaseOffset() + 8;
      for (int word = 0, words = (length + 63) / 64; word < words; word++) {
        if (Platform.getLong(base, bits + 8L * word) != 0) {
          return true;
        }
      }
      return false;
    }

    /** Where an unsafe array's values start: after its element count and null bits. */
    private long valuesOffset(UnsafeArrayData array, int length) {
      return array.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(length);
    }

    /** One number of a row or an array ({@link InternalRow} and {@link ArrayData} share these getters). */
    private String putElement(org.apache.spark.sql.catalyst.expressions.SpecializedGetters from, int i, int code,
        DataType type, int at, String source) {
      switch (code) {
        case BYTE: return putLong(at, from.getByte(i), source);
        case SHORT: return putLong(at, from.getShort(i), source);
        case INT: return putLong(at, from.getInt(i), source);
        case LONG: return putLong(at, from.getLong(i), source);
        case FLOAT: putDouble(at, from.getFloat(i)); return null;
        case DOUBLE: putDouble(at, from.getDouble(i)); return null;
        case DECIMAL: {
          DecimalType d = (DecimalType) type;
          putDouble(at, from.getDecimal(i, d.precision(), d.scale()).toDouble());
          return null;
        }
        default: throw new IllegalStateException("no number of code " + code);
      }
    }

    // ---------------------------------------------------------------- external values (SQL function)

    /**
     * Writes one external value (a number, a sequence or a vector) of {@code expected} elements at
     * element index {@code at}; {@code source} names where it came from.
     *
     * @return null, or why it does not fit
     */
    String putValue(Object value, String source, int at, int expected) {
      if (value == null) {
        return nullProblem(source, expected);
      }
      if (value instanceof Number n) {
        if (expected != 1) {
          return shapeProblem(source, "a single number, shape []", expected);
        }
        return putNumber(n, source, at);
      }
      if (value instanceof scala.collection.Seq<?> seq) {
        int length = seq.length();
        if (length != expected) {
          return shapeProblem(source, length + " values, shape [" + length + "]", expected);
        }
        scala.collection.Iterator<?> it = seq.iterator();
        for (int i = 0; i < length; i++) {
          Object v = it.next();
          if (!(v instanceof Number n)) {
            return source + " has " + (v == null ? "a null" : "a " + v.getClass().getSimpleName()) + " at index " + i
                + " (shape [" + length + "]), but " + describe + " takes numbers";
          }
          String problem = putNumber(n, source, at + i);
          if (problem != null) {
            return problem;
          }
        }
        return null;
      }
      if (Vectors.isVector(value)) {
        return putVector(value, source, at, expected);
      }
      return source + " holds a " + value.getClass().getName() + ", which cannot feed " + describe;
    }

    private String putNumber(Number n, String source, int at) {
      if (integral()) {
        if (!(n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte)) {
          return source + " holds " + n.getClass().getSimpleName() + " values, but " + describe + " takes integers";
        }
        return putLong(at, n.longValue(), source);
      }
      putDouble(at, n.doubleValue());
      return null;
    }

    // ---------------------------------------------------------------- both

    /** A dense vector's values, read in place: no vector object, no array per row. */
    private String putDenseVector(ArrayData values, String source, int at, int expected) {
      int length = values.numElements();
      String problem = vectorProblem(length, source, expected);
      if (problem != null) {
        return problem;
      }
      for (int i = 0; i < length; i++) {
        putDouble(at + i, values.getDouble(i));
      }
      return null;
    }

    private String putVector(Object vector, String source, int at, int expected) {
      double[] values = Vectors.toArray(vector);
      String problem = vectorProblem(values.length, source, expected);
      if (problem != null) {
        return problem;
      }
      for (int i = 0; i < values.length; i++) {
        putDouble(at + i, values[i]);
      }
      return null;
    }

    /** Why a vector of {@code length} values cannot feed this input, or null if it can. */
    private String vectorProblem(int length, String source, int expected) {
      if (length != expected) {
        return shapeProblem(source, "a vector of size " + length + ", shape [" + length + "]", expected);
      }
      if (integral()) {
        return source + " is a vector of doubles, but " + describe + " takes integers";
      }
      return null;
    }

    private String putLong(int at, long v, String source) {
      switch (dtype) {
        case INT64: longs[at] = v; return null;
        case INT32:
          if (v != (int) v) {
            return source + " holds " + v + ", out of range for " + describe;
          }
          ints[at] = (int) v;
          return null;
        case FLOAT32: floats[at] = v; return null;
        case FLOAT64: doubles[at] = v; return null;
        default: throw new IllegalStateException(dtype.toString());
      }
    }

    private void putDouble(int at, double v) {
      if (floats != null) {
        floats[at] = (float) v;
      } else {
        doubles[at] = v;
      }
    }

    private String nullProblem(String source, int expected) {
      return source + " is null, but " + describe + " needs " + expected + " value" + (expected == 1 ? "" : "s")
          + " from it";
    }

    private String shapeProblem(String source, String has, int expected) {
      return source + " holds " + has + ", but " + describe + " takes " + expected + " value"
          + (expected == 1 ? "" : "s") + " per row from it, shape " + Arrays.toString(rowShape);
    }

    /**
     * The first {@code rows} slots as a tensor of shape {@code [rows, rowShape...]}: a copy, so
     * the batch can be filled again at once.
     */
    Tensor tensor(int rows) {
      long[] shape = new long[rowShape.length + 1];
      shape[0] = rows;
      System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
      int n = rows * rowElements;
      switch (dtype) {
        case FLOAT32: return Tensor.of(n == floats.length ? floats : Arrays.copyOf(floats, n), shape);
        case FLOAT64: return Tensor.of(n == doubles.length ? doubles : Arrays.copyOf(doubles, n), shape);
        case INT32: return Tensor.of(n == ints.length ? ints : Arrays.copyOf(ints, n), shape);
        case INT64: return Tensor.of(n == longs.length ? longs : Arrays.copyOf(longs, n), shape);
        default: throw new IllegalStateException(dtype.toString());
      }
    }
  }
}
