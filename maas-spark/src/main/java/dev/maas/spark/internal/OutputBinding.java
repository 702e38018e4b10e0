package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.InferenceException;
import dev.maas.Tensor;
import java.io.Serializable;
import java.util.Arrays;
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
