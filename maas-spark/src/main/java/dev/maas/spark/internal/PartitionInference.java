package dev.maas.spark.internal;

import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.ModelService;
import dev.maas.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.util.LongAccumulator;

/**
 * Scores one partition: reads up to a batch of rows, writes their values straight into one
 * buffer per model input, calls the executor's service once per batch with the plan's exact
 * version, and hands back each input row joined with its outputs, in input order.
 *
 * <p>Rows stay in Spark's internal form throughout: the input columns are passed on as they are
 * (a copy of the row's bytes, since upstream operators reuse their row objects), no value is
 * boxed into an external {@code Row}, and nothing is allocated per row for numeric and array
 * columns read from Spark's unsafe rows (string outputs, vector columns and rows of another form
 * still make an object per row).
 */
final class PartitionInference implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;

  private final InferencePlan plan;

  PartitionInference(InferencePlan plan) {
    this.plan = plan;
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
    if (!rows.hasNext()) {
      return Collections.emptyIterator(); // an empty partition needs no service
    }
    return new Scorer(plan, ExecutorServices.service(plan.service()), rows);
  }

  /**
   * Lazily scores a partition, one batch ahead of the consumer at most.
   *
   * <p>Nothing is allocated per row in the common case (see the class comment). Each input row is copied (upstream operators reuse their row
   * objects) into one buffer that the batch reuses, and the rows handed out are one reused
   * {@link JoinedRow} of that copy and one reused output row. So a row handed out is valid until
   * the next call of {@link #next}, as with Spark's own operators; the one consumer, the scan
   * {@link SparkInternals} puts over this iterator, copies each row into its own buffer at once.
   */
  static final class Scorer implements Iterator<InternalRow> {
    private final InferencePlan plan;
    private final ModelService service;
    private final Iterator<InternalRow> rows;
    private final List<InputBinding> inputs;
    private final List<OutputBinding> outputs;
    private final LongAccumulator rejected;
    /** Reused from batch to batch: each batch's tensors are copies. */
    private final InputBinding.Batch[] batches;
    private final OutputBinding.Writer[] writers;
    private final RowCopies in;
    private final int[] slotOf;
    private final SpecificInternalRow out;
    private final JoinedRow joined = new JoinedRow();
    private int next;
    private int ready;
    private long rowsSeen;

    Scorer(InferencePlan plan, ModelService service, Iterator<InternalRow> rows) {
      this.plan = plan;
      this.service = service;
      this.rows = rows;
      this.inputs = plan.inputs();
      this.outputs = plan.outputs();
      this.rejected = plan.invalidRows().counter().orElse(null);
      this.batches = new InputBinding.Batch[inputs.size()];
      for (int i = 0; i < batches.length; i++) {
        batches[i] = inputs.get(i).newBatch(plan.batchSize());
      }
      this.writers = new OutputBinding.Writer[outputs.size()];
      for (int o = 0; o < writers.length; o++) {
        writers[o] = outputs.get(o).newWriter();
      }
      this.in = new RowCopies(plan.batchSize(), plan.inputWidth());
      this.slotOf = new int[plan.batchSize()];
      StructField[] fields = plan.outputSchema().fields();
      this.out = new SpecificInternalRow(new StructType(Arrays.copyOfRange(fields, plan.inputWidth(), fields.length)));
      if (plan.versionColumn()) {
        out.setLong(out.numFields() - 1, plan.version());
      }
    }

    @Override
    public boolean hasNext() {
      while (next == ready) {
        if (!rows.hasNext()) {
          return false;
        }
        scoreNextBatch();
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int r = next++;
      int slot = slotOf[r];
      for (int o = 0; o < writers.length; o++) {
        if (slot < 0) {
          out.setNullAt(o);
        } else {
          writers[o].set(out, o, slot);
        }
      }
      return joined.apply(in.row(r), out);
    }

    private void scoreNextBatch() {
      in.clear();
      int count = 0;
      while (count < slotOf.length && rows.hasNext()) {
        in.add(rows.next());
        count++;
      }
      int valid = 0;
      for (int r = 0; r < count; r++) {
        InternalRow row = in.row(r);
        String problem = null;
        for (int i = 0; i < batches.length && problem == null; i++) {
          problem = batches[i].put(row, valid);
        }
        if (problem == null) {
          slotOf[r] = valid++;
        } else if (rejected == null) {
          throw new InvalidInputException("a row does not fit " + plan.modelVersion() + ": " + problem + where(r));
        } else {
          rejected.add(1);
          slotOf[r] = -1;
        }
      }

      if (valid > 0) {
        Map<String, Tensor> request = new HashMap<>();
        for (int i = 0; i < batches.length; i++) {
          request.put(inputs.get(i).input, batches[i].tensor(valid));
        }
        InferenceResult result = plan.answered(service.predict(plan.ref(), InferenceRequest.of(request)));
        for (int o = 0; o < writers.length; o++) {
          OutputBinding binding = outputs.get(o);
          writers[o].load(result.output(binding.output), valid, plan.modelVersion().toString());
        }
      }
      rowsSeen += count;
      next = 0;
      ready = count;
    }

    private String where(int r) {
      TaskContext task = TaskContext.get();
      return " (row " + (rowsSeen + r) + " of partition " + (task == null ? "?" : task.partitionId()) + ")";
    }
  }

  /**
   * Copies of a batch's input rows. An {@link UnsafeRow} (what Spark's operators produce) is copied
   * into one byte buffer reused from batch to batch, behind one reused row object per slot; any
   * other row is copied on its own.
   */
  static final class RowCopies {
    private final UnsafeRow[] views;
    private final InternalRow[] rows;
    private byte[] buffer = new byte[1 << 16];
    private int used;
    private int size;

    RowCopies(int capacity, int fields) {
      this.views = new UnsafeRow[capacity];
      for (int i = 0; i < capacity; i++) {
        views[i] = new UnsafeRow(fields);
      }
      this.rows = new InternalRow[capacity];
    }

    /** Forgets the rows; their memory is reused. */
    void clear() {
      used = 0;
      size = 0;
    }

    /** Appends a copy of {@code row}. */
    void add(InternalRow row) {
      if (!(row instanceof UnsafeRow unsafe)) {
        rows[size++] = row.copy();
        return;
      }
      int bytes = unsafe.getSizeInBytes();
      if (buffer.length - used < bytes) {
        // Rows already copied keep the old buffer; the new one is at least twice as large.
        buffer = new byte[Math.toIntExact(Math.max(2L * buffer.length, bytes))];
        used = 0;
      }
      unsafe.writeToMemory(buffer, Platform.BYTE_ARRAY_OFFSET + used);
      UnsafeRow view = views[size];
      view.pointTo(buffer, Platform.BYTE_ARRAY_OFFSET + used, bytes);
      used += bytes;
      rows[size++] = view;
    }

    /** The copy of row {@code i} of the batch. */
    InternalRow row(int i) {
      return rows[i];
    }
  }
}
