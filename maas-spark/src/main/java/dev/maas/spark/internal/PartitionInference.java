package dev.maas.spark.internal;

import dev.maas.InferenceException;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.ModelService;
import dev.maas.Tensor;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.util.LongAccumulator;

/**
 * Scores one partition: reads up to a batch of rows, writes their values straight into one
 * buffer per model input, calls the executor's service once per batch with the plan's exact
 * version, and hands back each input row joined with its outputs, in input order.
 *
 * <p>Rows stay in Spark's internal form throughout: the input columns are passed on as they are
 * (a copy of the row's bytes, since upstream operators reuse their row objects) and no value is
 * boxed into an external {@code Row}.
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

  /** Lazily scores a partition, one batch ahead of the consumer at most. */
  static final class Scorer implements Iterator<InternalRow> {
    private final InferencePlan plan;
    private final ModelService service;
    private final Iterator<InternalRow> rows;
    private final List<InputBinding> inputs;
    private final List<OutputBinding> outputs;
    private final LongAccumulator rejected;
    /** Reused from batch to batch: each batch's tensors are copies. */
    private final InputBinding.Batch[] batches;
    private final InternalRow[] in;
    private final InternalRow[] out;
    private final int[] slotOf;
    private final int width;
    private final Long version;
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
      this.in = new InternalRow[plan.batchSize()];
      this.out = new InternalRow[plan.batchSize()];
      this.slotOf = new int[plan.batchSize()];
      this.width = outputs.size() + (plan.versionColumn() ? 1 : 0);
      this.version = plan.version();
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
      InternalRow r = out[next];
      out[next++] = null;
      return r;
    }

    private void scoreNextBatch() {
      int count = 0;
      while (count < in.length && rows.hasNext()) {
        in[count++] = rows.next().copy();
      }
      int valid = 0;
      for (int r = 0; r < count; r++) {
        String problem = null;
        for (int i = 0; i < batches.length && problem == null; i++) {
          problem = batches[i].put(in[r], valid);
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

      Object[][] values = new Object[outputs.size()][];
      if (valid > 0) {
        Map<String, Tensor> request = new HashMap<>();
        for (int i = 0; i < batches.length; i++) {
          request.put(inputs.get(i).input, batches[i].tensor(valid));
        }
        InferenceResult result = service.predict(plan.ref(), InferenceRequest.of(request));
        if (result.version().version() != plan.version() || !result.version().model().equals(plan.model())) {
          throw new InferenceException("asked for " + plan.modelVersion() + " but " + result.version() + " answered");
        }
        for (int o = 0; o < values.length; o++) {
          OutputBinding binding = outputs.get(o);
          values[o] = binding.split(result.output(binding.output), valid, plan.modelVersion().toString(), true);
        }
      }

      for (int r = 0; r < count; r++) {
        Object[] fields = new Object[width];
        int slot = slotOf[r];
        for (int o = 0; o < values.length; o++) {
          fields[o] = slot < 0 ? null : values[o][slot];
        }
        if (plan.versionColumn()) {
          fields[width - 1] = version;
        }
        out[r] = new JoinedRow(in[r], new GenericInternalRow(fields));
        in[r] = null;
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
}
