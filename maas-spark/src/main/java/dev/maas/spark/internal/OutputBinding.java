package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.InferenceException;
import dev.maas.Tensor;
import java.io.Serializable;
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
    // The batch's values, one of these by dtype; strings go through split.
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
      if (t.rank() == 0 || t.dim(0) != rows) {
        throw new InferenceException("output '" + output + "' of " + version + " has shape "
            + Arrays.toString(t.shape()) + " for a batch of " + rows + " rows");
      }
      per = rows == 0 ? 0 : Math.toIntExact(t.elementCount() / rows);
      if (dtype == DType.STRING) {
        values = split(t, rows, version, true);
        return;
      }
      Object primitive;
      switch (dtype) {
        case FLOAT32: case FLOAT16: case BFLOAT16: primitive = floats = t.toFloatArray(); break;
        case FLOAT64: primitive = doubles = t.toDoubleArray(); break;
        case INT64: primitive = longs = t.toLongArray(); break;
        case UINT32: {
          int[] bits = t.toIntArray();
          longs = new long[bits.length];
          for (int i = 0; i < bits.length; i++) {
            longs[i] = bits[i] & 0xFFFFFFFFL;
          }
          primitive = longs;
          break;
        }
        case INT32: primitive = ints = t.toIntArray(); break;
        case INT8: case UINT8: case INT16: case UINT16: {
          double[] wide = t.toDoubles();
          ints = new int[wide.length];
          for (int i = 0; i < wide.length; i++) {
            ints[i] = (int) wide[i];
          }
          primitive = ints;
          break;
        }
        case BOOL: primitive = booleans = t.toBooleanArray(); break;
        default: throw new IllegalStateException("no column type for " + dtype);
      }
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
   * Splits a batch's output into its rows' values, in Spark's internal form ({@code catalyst}:
   * boxed numbers, {@link UTF8String}, {@link UnsafeArrayData} copied straight from the output) or
   * its external form (boxed numbers, strings, Java arrays).
   *
   * @throws InferenceException if the output's first dimension is not the batch's row count
   */
  Object[] split(Tensor t, int rows, String version, boolean catalyst) {
    if (t.rank() == 0 || t.dim(0) != rows) {
      throw new InferenceException("output '" + output + "' of " + version + " has shape "
          + Arrays.toString(t.shape()) + " for a batch of " + rows + " rows");
    }
    int per = rows == 0 ? 0 : Math.toIntExact(t.elementCount() / rows);
    Object[] out = new Object[rows];
    switch (dtype) {
      case FLOAT32: case FLOAT16: case BFLOAT16: {
        float[] all = t.toFloatArray();
        for (int r = 0; r < rows; r++) {
          out[r] = scalar ? (Object) all[r] : catalyst
              ? UnsafeArrayData.fromPrimitiveArray(all, Platform.FLOAT_ARRAY_OFFSET + 4 * r * per, per, 4)
              : Arrays.copyOfRange(all, r * per, (r + 1) * per);
        }
        break;
      }
      case FLOAT64: {
        double[] all = t.toDoubleArray();
        for (int r = 0; r < rows; r++) {
          out[r] = scalar ? (Object) all[r] : catalyst
              ? UnsafeArrayData.fromPrimitiveArray(all, Platform.DOUBLE_ARRAY_OFFSET + 8 * r * per, per, 8)
              : Arrays.copyOfRange(all, r * per, (r + 1) * per);
        }
        break;
      }
      case INT64: case UINT32: {
        long[] all;
        if (dtype == DType.INT64) {
          all = t.toLongArray();
        } else {
          int[] bits = t.toIntArray();
          all = new long[bits.length];
          for (int i = 0; i < bits.length; i++) {
            all[i] = bits[i] & 0xFFFFFFFFL;
          }
        }
        for (int r = 0; r < rows; r++) {
          out[r] = scalar ? (Object) all[r] : catalyst
              ? UnsafeArrayData.fromPrimitiveArray(all, Platform.LONG_ARRAY_OFFSET + 8 * r * per, per, 8)
              : Arrays.copyOfRange(all, r * per, (r + 1) * per);
        }
        break;
      }
      case INT32: case INT8: case UINT8: case INT16: case UINT16: {
        int[] all;
        if (dtype == DType.INT32) {
          all = t.toIntArray();
        } else {
          double[] wide = t.toDoubles();
          all = new int[wide.length];
          for (int i = 0; i < wide.length; i++) {
            all[i] = (int) wide[i];
          }
        }
        for (int r = 0; r < rows; r++) {
          out[r] = scalar ? (Object) all[r] : catalyst
              ? UnsafeArrayData.fromPrimitiveArray(all, Platform.INT_ARRAY_OFFSET + 4 * r * per, per, 4)
              : Arrays.copyOfRange(all, r * per, (r + 1) * per);
        }
        break;
      }
      case BOOL: {
        boolean[] all = t.toBooleanArray();
        for (int r = 0; r < rows; r++) {
          out[r] = scalar ? (Object) all[r] : catalyst
              ? UnsafeArrayData.fromPrimitiveArray(all, Platform.BOOLEAN_ARRAY_OFFSET + r * per, per, 1)
              : Arrays.copyOfRange(all, r * per, (r + 1) * per);
        }
        break;
      }
      case STRING: {
        String[] all = t.toStringArray();
        for (int r = 0; r < rows; r++) {
          if (!catalyst) {
            out[r] = scalar ? all[r] : Arrays.copyOfRange(all, r * per, (r + 1) * per);
          } else if (scalar) {
            out[r] = UTF8String.fromString(all[r]);
          } else {
            Object[] row = new Object[per];
            for (int i = 0; i < per; i++) {
              row[i] = UTF8String.fromString(all[r * per + i]);
            }
            out[r] = new GenericArrayData(row);
          }
        }
        break;
      }
      default:
        throw new IllegalStateException("no column type for " + dtype);
    }
    return out;
  }
}
