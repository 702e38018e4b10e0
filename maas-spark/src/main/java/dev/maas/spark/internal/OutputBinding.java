package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.InferenceException;
import dev.maas.Tensor;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * How one model output becomes a column: a rank-1 output ({@code [batch]}) gives one value per
 * row, anything else an array of the row's values in row-major order.
 */
final class OutputBinding implements Serializable {
  private static final long serialVersionUID = 1L;

  final String output;
  final String column;
  final DType dtype;
  final boolean scalar;

  OutputBinding(String output, String column, DType dtype, boolean scalar) {
    this.output = output;
    this.column = column;
    this.dtype = dtype;
    this.scalar = scalar;
  }

  /** Whether a column can carry outputs of {@code dtype}. */
  static boolean supported(DType dtype) {
    return dtype != DType.UINT64;
  }

  /** The Spark type of one element. */
  DataType elementType() {
    switch (dtype) {
      case FLOAT32: case FLOAT16: case BFLOAT16: return DataTypes.FloatType;
      case FLOAT64: return DataTypes.DoubleType;
      case INT8: case UINT8: case INT16: case UINT16: case INT32: return DataTypes.IntegerType;
      case UINT32: case INT64: return DataTypes.LongType;
      case BOOL: return DataTypes.BooleanType;
      case STRING: return DataTypes.StringType;
      default: throw new IllegalStateException("no column type for " + dtype);
    }
  }

  /** The Spark type of the column. */
  DataType columnType() {
    return scalar ? elementType() : new ArrayType(elementType(), false);
  }

  /** A per-task writer of this output's values into output rows; not thread-safe. */
  Writer newWriter() {
    return new Writer();
  }

  /**
   * Writes one batch's output into a reused output row, a row at a time, without allocating per
   * row: a rank-1 output as a primitive value, an array output as an {@link UnsafeArrayData} view
   * into one buffer that holds every row's array of the batch in Spark's unsafe array layout.
   * The view and the buffer are reused by the next row and the next batch, so a row is valid until
   * the next call of {@link #set}; Spark's operators copy a row they keep.
   */
  final class Writer {
    private final UnsafeArrayData view = new UnsafeArrayData();
    private final int elementSize = elementSize(dtype);
    private int per;
    private int rowBytes;
    private int headerBytes;
    private byte[] arrays = new byte[0];
    // The batch's values, one of these by dtype; strings as values.
    private float[] floats;
    private double[] doubles;
    private long[] longs;
    private int[] ints;
    private boolean[] booleans;
    private Object[] values;

    /**
     * Takes a batch's output.
     *
     * @throws InferenceException if its first dimension is not the batch's row count
     */
    void load(Tensor t, int rows, String version) {
      per = checkRows(t, rows, version);
      if (dtype == DType.STRING) {
        values = catalystStrings(t.toStringArray(), rows, per);
        return;
      }
      Object primitive = primitives(t);
      floats = primitive instanceof float[] f ? f : null;
      doubles = primitive instanceof double[] d ? d : null;
      longs = primitive instanceof long[] l ? l : null;
      ints = primitive instanceof int[] i ? i : null;
      booleans = primitive instanceof boolean[] b ? b : null;
      if (!scalar) {
        layOut(primitive, rows);
      }
    }

    /**
     * Writes every row's values as an unsafe array (element count, null bits, values padded to 8
     * bytes) at a fixed stride into the reused buffer. Bytes never written (null bits, padding)
     * stay zero, as Spark's byte-wise equality and hashing of arrays expect.
     */
    private void layOut(Object primitive, int rows) {
      int bytes = Math.toIntExact((long) per * elementSize);
      int stride = UnsafeArrayData.calculateHeaderPortionInBytes(per) + ((bytes + 7) & ~7);
      long needed = (long) stride * rows;
      if (stride != rowBytes || needed > arrays.length) {
        arrays = new byte[Math.toIntExact(Math.max(needed, (long) arrays.length))];
      }
      rowBytes = stride;
      headerBytes = UnsafeArrayData.calculateHeaderPortionInBytes(per);
      long source = primitiveOffset();
      for (int r = 0; r < rows; r++) {
        long at = Platform.BYTE_ARRAY_OFFSET + (long) r * stride;
        Platform.putLong(arrays, at, per);
        Platform.copyMemory(primitive, source + (long) r * bytes, arrays, at + headerBytes, bytes);
      }
    }

    private long primitiveOffset() {
      switch (dtype) {
        case FLOAT32: case FLOAT16: case BFLOAT16: return Platform.FLOAT_ARRAY_OFFSET;
        case FLOAT64: return Platform.DOUBLE_ARRAY_OFFSET;
        case INT64: case UINT32: return Platform.LONG_ARRAY_OFFSET;
        case BOOL: return Platform.BOOLEAN_ARRAY_OFFSET;
        default: return Platform.INT_ARRAY_OFFSET;
      }
    }

    /** Writes the values of batch row {@code slot} to {@code row}'s field {@code ordinal}. */
    void set(InternalRow row, int ordinal, int slot) {
      if (values != null) {
        row.update(ordinal, values[slot]);
      } else if (!scalar) {
        view.pointTo(arrays, Platform.BYTE_ARRAY_OFFSET + (long) slot * rowBytes, rowBytes);
        row.update(ordinal, view);
      } else if (floats != null) {
        row.setFloat(ordinal, floats[slot]);
      } else if (doubles != null) {
        row.setDouble(ordinal, doubles[slot]);
      } else if (longs != null) {
        row.setLong(ordinal, longs[slot]);
      } else if (ints != null) {
        row.setInt(ordinal, ints[slot]);
      } else {
        row.setBoolean(ordinal, booleans[slot]);
      }
    }
  }

  private static int elementSize(DType dtype) {
    switch (dtype) {
      case FLOAT64: case INT64: case UINT32: return 8;
      case BOOL: return 1;
      default: return 4;
    }
  }

  /**
   * Splits a batch's output into its rows' values in Spark's external form (boxed numbers, strings,
   * Java arrays), for the SQL function.
   *
   * @throws InferenceException if the output's first dimension is not the batch's row count
   */
  Object[] split(Tensor t, int rows, String version) {
    int per = checkRows(t, rows, version);
    Object all = dtype == DType.STRING ? t.toStringArray() : primitives(t);
    Object[] out = new Object[rows];
    for (int r = 0; r < rows; r++) {
      if (scalar) {
        out[r] = Array.get(all, r);
      } else {
        Object row = Array.newInstance(all.getClass().getComponentType(), per);
        System.arraycopy(all, r * per, row, 0, per);
        out[r] = row;
      }
    }
    return out;
  }

  /** Checks that the output has a row per batch row; returns its values per row. */
  private int checkRows(Tensor t, int rows, String version) {
    if (t.rank() == 0 || t.dim(0) != rows) {
      throw new InferenceException("output '" + output + "' of " + version + " has shape "
          + Arrays.toString(t.shape()) + " for a batch of " + rows + " rows");
    }
    return rows == 0 ? 0 : Math.toIntExact(t.elementCount() / rows);
  }

  /**
   * The output's values as an array of its column's element type: float, double, long (int64, and
   * uint32 widened without its sign), int (int32, and the small integers widened) or boolean.
   */
  private Object primitives(Tensor t) {
    switch (dtype) {
      case FLOAT32: case FLOAT16: case BFLOAT16: return t.toFloatArray();
      case FLOAT64: return t.toDoubleArray();
      case INT64: return t.toLongArray();
      case UINT32: {
        int[] bits = t.toIntArray();
        long[] wide = new long[bits.length];
        for (int i = 0; i < bits.length; i++) {
          wide[i] = bits[i] & 0xFFFFFFFFL;
        }
        return wide;
      }
      case INT32: return t.toIntArray();
      case INT8: case UINT8: case INT16: case UINT16: {
        double[] exact = t.toDoubles();
        int[] wide = new int[exact.length];
        for (int i = 0; i < exact.length; i++) {
          wide[i] = (int) exact[i];
        }
        return wide;
      }
      case BOOL: return t.toBooleanArray();
      default: throw new IllegalStateException("no column type for " + dtype);
    }
  }

  /** Strings in Spark's internal form: a {@link UTF8String} per row, or an array of them. */
  private Object[] catalystStrings(String[] all, int rows, int per) {
    Object[] out = new Object[rows];
    for (int r = 0; r < rows; r++) {
      if (scalar) {
        out[r] = UTF8String.fromString(all[r]);
      } else {
        Object[] row = new Object[per];
        for (int i = 0; i < per; i++) {
          row[i] = UTF8String.fromString(all[r * per + i]);
        }
        out[r] = new GenericArrayData(row);
      }
    }
    return out;
  }
}
