package dev.maas.internal;

import dev.maas.DType;
import dev.maas.InferenceException;
import dev.maas.InvalidInputException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.batch.BatchingPolicy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the inputs of many requests along the batch dimension (padding where the policy says) and
 * splits a batch's outputs back, for every dtype. Splitting shares the output's buffer when no
 * request needs cutting back (no copy).
 */
final class Batches {
  private Batches() {}

  /**
   * The rows of a request: the first dimension its inputs share.
   *
   * @throws InvalidInputException if an input is a scalar or the inputs disagree
   */
  static int rows(Map<String, Tensor> inputs) {
    long rows = -1;
    String first = null;
    for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
      Tensor t = e.getValue();
      if (t.rank() == 0) {
        throw new InvalidInputException("input '" + e.getKey() + "' is a scalar; batching needs a batch dimension");
      }
      if (rows < 0) {
        rows = t.dim(0);
        first = e.getKey();
      } else if (t.dim(0) != rows) {
        throw new InvalidInputException("inputs disagree on the batch dimension: '" + first + "' has " + rows
            + " rows, '" + e.getKey() + "' has " + t.dim(0));
      }
    }
    if (rows > Integer.MAX_VALUE) {
      throw new InvalidInputException("request has " + rows + " rows");
    }
    return (int) Math.max(rows, 0);
  }

  /**
   * What must be equal for two requests to share a batch: the non-batch dimensions of every input
   * that has no pad value.
   */
  static ShapeKey shapeKey(Map<String, Tensor> inputs, List<TensorSpec> specs, BatchingPolicy policy) {
    int n = 0;
    for (TensorSpec s : specs) {
      if (!policy.padding().containsKey(s.name())) {
        n += inputs.get(s.name()).rank();
      }
    }
    long[] dims = new long[n];
    int i = 0;
    for (TensorSpec s : specs) {
      if (!policy.padding().containsKey(s.name())) {
        Tensor t = inputs.get(s.name());
        for (int a = 1; a < t.rank(); a++) {
          dims[i++] = t.dim(a);
        }
        dims[i++] = -1; // separator
      }
    }
    return new ShapeKey(dims);
  }

  /** Non-batch dimensions of the unpadded inputs, compared by value. */
  record ShapeKey(long[] dims) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ShapeKey && Arrays.equals(dims, ((ShapeKey) o).dims);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(dims);
    }
  }

  /** The batch's inputs: each request's tensors stacked along axis 0, padded where the policy says. */
  static Map<String, Tensor> concat(List<Map<String, Tensor>> requests, int[] rows, List<TensorSpec> specs,
      BatchingPolicy policy) {
    Map<String, Tensor> out = new LinkedHashMap<>(specs.size() * 2);
    int total = 0;
    for (int r : rows) {
      total += r;
    }
    for (TensorSpec spec : specs) {
      String name = spec.name();
      List<Tensor> parts = new ArrayList<>(requests.size());
      for (Map<String, Tensor> r : requests) {
        parts.add(r.get(name));
      }
      out.put(name, stack(parts, total, policy.padding().get(name)));
    }
    return out;
  }

  private static Tensor stack(List<Tensor> parts, int totalRows, Double pad) {
    Tensor first = parts.get(0);
    DType dtype = first.dtype();
    long[] shape = first.shape();
    boolean ragged = false;
    for (Tensor t : parts) {
      for (int a = 1; a < shape.length; a++) {
        if (t.dim(a) != shape[a]) {
          ragged = true;
          shape[a] = Math.max(shape[a], t.dim(a));
        }
      }
    }
    shape[0] = totalRows;
    int elements = Math.toIntExact(Tensor.elementCount(shape));
    if (dtype == DType.STRING) {
      String[] dst = new String[elements];
      if (ragged) {
        Arrays.fill(dst, "");
      }
      long row = 0;
      for (Tensor t : parts) {
        String[] src = t.toStringArray();
        long[] s = t.shape();
        copyBlock(s, 0, shape, row, s, (si, di, len) -> System.arraycopy(src, (int) si, dst, (int) di, (int) len));
        row += s[0];
      }
      return Tensor.of(dst).reshape(shape);
    }
    int size = dtype.byteSize();
    ByteBuffer dst = ByteBuffer.allocateDirect(elements * size).order(ByteOrder.nativeOrder());
    if (ragged && pad != null && pad != 0.0) {
      byte[] pattern = new byte[size];
      scalar(dtype, pad).buffer().get(pattern);
      for (int i = 0; i < elements; i++) {
        dst.put(pattern);
      }
    }
    long row = 0;
    for (Tensor t : parts) {
      ByteBuffer src = t.buffer();
      long[] s = t.shape();
      copyBlock(s, 0, shape, row, s, (si, di, len) ->
          dst.put((int) di * size, src, (int) si * size, (int) len * size));
      row += s[0];
    }
    return Tensor.wrap(dtype, dst.clear(), shape);
  }

  /**
   * Each request's outputs: rows {@code [offset, offset + rows)} of every batch output, cut back on
   * axes that follow a padded input.
   *
   * @throws InferenceException if an output's first dimension is not the batch's row count
   */
  static List<Map<String, Tensor>> split(Map<String, Tensor> outputs, List<Map<String, Tensor>> requests, int[] rows,
      BatchingPolicy policy) {
    int total = 0;
    for (int r : rows) {
      total += r;
    }
    List<Map<String, Tensor>> out = new ArrayList<>(requests.size());
    boolean single = outputs.size() == 1; // the common case: an immutable one-entry map per request
    for (int i = 0; i < requests.size() && !single; i++) {
      out.add(new LinkedHashMap<>(outputs.size() * 2));
    }
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (t.rank() == 0 || t.dim(0) != total) {
        throw new InferenceException("output '" + name + "' has shape " + Arrays.toString(t.shape())
            + " but the batch has " + total + " rows: this model's outputs do not follow the batch"
            + " dimension; turn batching off for it (maxBatchSize 1)");
      }
      BatchingPolicy.Follow follow = policy.outputFollows().get(name);
      long[] full = t.shape();
      long offset = 0;
      for (int i = 0; i < requests.size(); i++) {
        long[] own = full.clone();
        own[0] = rows[i];
        if (follow != null && follow.axis() < own.length) {
          Tensor in = requests.get(i).get(follow.input());
          if (in != null && follow.axis() < in.rank()) {
            own[follow.axis()] = Math.min(own[follow.axis()], in.dim(follow.axis()));
          }
        }
        Tensor part = slice(t, full, offset, own);
        if (single) {
          out.add(Map.of(name, part));
        } else {
          out.get(i).put(name, part);
        }
        offset += rows[i];
      }
    }
    return out;
  }

  private static Tensor slice(Tensor t, long[] full, long rowOffset, long[] own) {
    boolean whole = true;
    for (int a = 1; a < full.length; a++) {
      whole &= own[a] == full[a];
    }
    DType dtype = t.dtype();
    if (dtype == DType.STRING) {
      String[] src = t.toStringArray();
      String[] dst = new String[Math.toIntExact(Tensor.elementCount(own))];
      copyBlock(full, rowOffset, own, 0, own, (si, di, len) -> System.arraycopy(src, (int) si, dst, (int) di, (int) len));
      return Tensor.of(dst).reshape(own);
    }
    int size = dtype.byteSize();
    ByteBuffer src = t.buffer();
    if (whole) {
      // contiguous rows: a view, no copy
      long rowBytes = Tensor.elementCount(own) / Math.max(1, own[0]) * size;
      if (own[0] == 0) {
        rowBytes = 0;
      }
      ByteBuffer view = src.slice((int) (rowOffset * rowBytes), (int) (own[0] * rowBytes)).order(ByteOrder.nativeOrder());
      return Tensor.wrap(dtype, view, own);
    }
    ByteBuffer dst = ByteBuffer.allocateDirect(Math.toIntExact(Tensor.elementCount(own) * size)).order(ByteOrder.nativeOrder());
    copyBlock(full, rowOffset, own, 0, own, (si, di, len) ->
        dst.put((int) di * size, src, (int) si * size, (int) len * size));
    return Tensor.wrap(dtype, dst.clear(), own);
  }

  /** Copies {@code len} elements from source index {@code si} to destination index {@code di}. */
  @FunctionalInterface
  interface RunCopy {
    void copy(long si, long di, long len);
  }

  /**
   * Copies a block of shape {@code block} from a row-major source of shape {@code src}, starting at
   * row {@code srcRow}, into a row-major destination of shape {@code dst}, starting at row {@code
   * dstRow}, one contiguous innermost run at a time.
   */
  static void copyBlock(long[] src, long srcRow, long[] dst, long dstRow, long[] block, RunCopy copy) {
    int rank = block.length;
    if (Tensor.elementCount(block) == 0) {
      return;
    }
    if (rank == 1) {
      copy.copy(srcRow, dstRow, block[0]);
      return;
    }
    // When every non-batch axis matches, the whole block is one run.
    boolean sameRows = true;
    for (int a = 1; a < rank; a++) {
      sameRows &= block[a] == src[a] && block[a] == dst[a];
    }
    long inner = 1;
    for (int a = 1; a < rank; a++) {
      inner *= block[a];
    }
    if (sameRows) {
      copy.copy(srcRow * inner, dstRow * inner, block[0] * inner);
      return;
    }
    long[] idx = new long[rank - 1]; // index over all axes but the last
    long runs = 1;
    for (int a = 0; a < rank - 1; a++) {
      runs *= block[a];
    }
    long run = block[rank - 1];
    for (long r = 0; r < runs; r++) {
      long so = 0;
      long d = 0;
      for (int a = 0; a < rank - 1; a++) {
        so = so * src[a] + idx[a] + (a == 0 ? srcRow : 0);
        d = d * dst[a] + idx[a] + (a == 0 ? dstRow : 0);
      }
      copy.copy(so * src[rank - 1], d * dst[rank - 1], run);
      for (int a = rank - 2; a >= 0; a--) {
        if (++idx[a] < block[a]) {
          break;
        }
        idx[a] = 0;
      }
    }
  }

  /** A one-element tensor of {@code dtype} holding {@code v}. */
  static Tensor scalar(DType dtype, double v) {
    switch (dtype) {
      case FLOAT32: return Tensor.of(new float[] {(float) v});
      case FLOAT64: return Tensor.of(new double[] {v});
      case FLOAT16: return Tensor.ofFloat16(new float[] {(float) v});
      case BFLOAT16: {
        ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) (Float.floatToRawIntBits((float) v) >>> 16));
        return Tensor.copyOf(DType.BFLOAT16, b, 1);
      }
      case INT8: return Tensor.of(new byte[] {(byte) v});
      case UINT8: return Tensor.ofUint8(new byte[] {(byte) (long) v});
      case INT16: case UINT16: {
        ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) (long) v);
        return Tensor.copyOf(dtype, b, 1);
      }
      case INT32: case UINT32: {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        b.putInt(0, (int) (long) v);
        return Tensor.copyOf(dtype, b, 1);
      }
      case INT64: case UINT64: return Tensor.copyOf(dtype,
          ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, (long) v), 1);
      case BOOL: return Tensor.of(new boolean[] {v != 0});
      default: throw new IllegalArgumentException("no numeric pad value for " + dtype);
    }
  }
}
