package dev.maas.spark.internal;

import dev.maas.DType;
import dev.maas.Tensor;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.sql.Row;

/**
 * How one model input is read from a row: from which columns, into what dtype and per-row shape.
 * Each column gives either one number (a numeric column) or the whole row's values (an array or
 * vector column). {@link Batch} collects many rows into one tensor.
 */
final class InputBinding implements Serializable {
  private static final long serialVersionUID = 1L;

  final String input;
  final DType dtype;
  final long[] rowShape;
  final int rowElements;
  /** Where each value comes from, for messages: {@code column 'features'}. */
  final String[] sources;
  final int[] ordinals;
  /** Where the model takes what, for messages: e.g. {@code input 'x' (float32[batch, 4]) of mlp:1}. */
  final String describe;

  InputBinding(String input, DType dtype, long[] rowShape, String[] sources, int[] ordinals, String describe) {
    this.input = input;
    this.dtype = dtype;
    this.rowShape = rowShape.clone();
    this.rowElements = Math.toIntExact(Tensor.elementCount(rowShape));
    this.sources = sources.clone();
    this.ordinals = ordinals.clone();
    this.describe = describe;
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

  /** Row values collected into one direct buffer, ready to become a tensor without copying. */
  final class Batch {
    private final ByteBuffer bytes;

    Batch(int capacity) {
      this.bytes = ByteBuffer.allocateDirect(capacity * rowElements * dtype.byteSize()).order(ByteOrder.nativeOrder());
    }

    /**
     * Writes row {@code row}'s values at slot {@code slot}.
     *
     * @return null, or why the row does not fit (then the slot holds garbage)
     */
    String put(Row row, int slot) {
      int at = slot * rowElements;
      int per = perColumn();
      for (int c = 0; c < sources.length; c++) {
        String problem = putValue(row.get(ordinals[c]), sources[c], at + c * per, per);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }

    /**
     * Writes one value (a number, an array or a vector) of {@code expected} elements at element
     * index {@code at}; {@code column} names where it came from.
     *
     * @return null, or why it does not fit
     */
    String putValue(Object value, String column, int at, int expected) {
      if (value == null) {
        return column + " is null, but " + describe + " needs " + expected + " value"
            + (expected == 1 ? "" : "s") + " from it";
      }
      if (value instanceof Number n) {
        if (expected != 1) {
          return shapeProblem(column, "a single number, shape []", expected);
        }
        return putNumber(n, column, at);
      }
      if (value instanceof scala.collection.Seq<?> seq) {
        int length = seq.length();
        if (length != expected) {
          return shapeProblem(column, length + " values, shape [" + length + "]", expected);
        }
        scala.collection.Iterator<?> it = seq.iterator();
        for (int i = 0; i < length; i++) {
          Object v = it.next();
          if (!(v instanceof Number n)) {
            return column + " has " + (v == null ? "a null" : "a " + v.getClass().getSimpleName())
                + " at index " + i + " (shape [" + length + "]), but " + describe + " takes numbers";
          }
          String problem = putNumber(n, column, at + i);
          if (problem != null) {
            return problem;
          }
        }
        return null;
      }
      if (Vectors.isVector(value)) {
        double[] values = Vectors.toArray(value);
        if (values.length != expected) {
          return shapeProblem(column, "a vector of size " + values.length + ", shape [" + values.length + "]", expected);
        }
        if (integral()) {
          return column + " is a vector of doubles, but " + describe + " takes integers";
        }
        for (int i = 0; i < values.length; i++) {
          putDouble(at + i, values[i]);
        }
        return null;
      }
      return column + " holds a " + value.getClass().getName() + ", which cannot feed " + describe;
    }

    private String shapeProblem(String column, String has, int expected) {
      return column + " holds " + has + ", but " + describe + " takes " + expected + " value"
          + (expected == 1 ? "" : "s") + " per row from it, shape " + Arrays.toString(rowShape);
    }

    private String putNumber(Number n, String column, int at) {
      if (integral()) {
        if (!(n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte)) {
          return column + " holds " + n.getClass().getSimpleName() + " values, but " + describe
              + " takes integers";
        }
        long v = n.longValue();
        if (dtype == DType.INT32) {
          if (v != (int) v) {
            return column + " holds " + v + ", out of range for " + describe;
          }
          bytes.putInt(at * 4, (int) v);
        } else {
          bytes.putLong(at * 8, v);
        }
        return null;
      }
      putDouble(at, n.doubleValue());
      return null;
    }

    private void putDouble(int at, double v) {
      if (dtype == DType.FLOAT32) {
        bytes.putFloat(at * 4, (float) v);
      } else {
        bytes.putDouble(at * 8, v);
      }
    }

    /** The first {@code rows} slots as a tensor of shape {@code [rows, rowShape...]}; the batch must not be reused. */
    Tensor tensor(int rows) {
      long[] shape = new long[rowShape.length + 1];
      shape[0] = rows;
      System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
      ByteBuffer view = bytes.duplicate().order(ByteOrder.nativeOrder());
      view.limit(rows * rowElements * dtype.byteSize());
      return Tensor.wrap(dtype, view, shape);
    }
  }
}
