package dev.maas.internal;

import dev.maas.CallOptions;
import dev.maas.InferenceException;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.MaasException;
import dev.maas.ModelService;
import dev.maas.OverloadedException;
import dev.maas.batch.Job;
import dev.maas.batch.JobItem;
import dev.maas.batch.JobOptions;
import dev.maas.batch.JobProgress;
import dev.maas.batch.JobStatus;
import dev.maas.version.ModelVersion;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one bulk job on its own thread: reads inputs lazily, keeps at most {@code window} requests
 * in flight through the service's normal path (so the scheduler batches them with online calls, at
 * the job's lower priority), and delivers items strictly in input order.
 */
final class JobRunner implements Job, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final ModelService service;
  private final ModelVersion version;
  private final Iterator<InferenceRequest> inputs;
  private final JobOptions options;
  private final CallOptions call;
  private final Long knownTotal;
  private final AtomicReference<JobStatus> status = new AtomicReference<>(JobStatus.RUNNING);
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long total = -1;
  private volatile boolean finished; // the driver has delivered its last item
  private final CompletableFuture<JobProgress> completion = new CompletableFuture<>();
  private final BlockingQueue<JobItem> buffer;
  private final ArrayDeque<CompletableFuture<InferenceResult>> window = new ArrayDeque<>();

  JobRunner(ModelService service, ModelVersion version, Iterable<InferenceRequest> inputs, JobOptions options) {
    this(service, version, inputs, options, CallOptions.defaults());
  }

  /** A job whose items run with {@code call}'s principal and timeout, at the job's priority. */
  JobRunner(ModelService service, ModelVersion version, Iterable<InferenceRequest> inputs, JobOptions options,
      CallOptions call) {
    this.service = service;
    this.version = version;
    this.inputs = inputs.iterator();
    this.options = options;
    this.call = call;
    this.knownTotal = inputs instanceof java.util.Collection ? (long) ((java.util.Collection<?>) inputs).size() : null;
    this.buffer = options.listener() == null ? new ArrayBlockingQueue<>(options.window() + 1) : null;
  }

  @Override
  public void run() {
    CallOptions call = this.call.withPriority(options.priority());
    long next = 0;
    JobStatus end = JobStatus.COMPLETED;
    try {
      while (status.get() == JobStatus.RUNNING) {
        while (window.size() < options.window() && status.get() == JobStatus.RUNNING && inputs.hasNext()) {
          InferenceRequest req = inputs.next();
          window.addLast(submit(req, call));
          next++;
        }
        if (!inputs.hasNext()) {
          total = next;
        }
        CompletableFuture<InferenceResult> head = window.pollFirst();
        if (head == null) {
          break;
        }
        long index = delivered.get();
        while (!head.isDone() && status.get() == JobStatus.RUNNING) {
          try {
            head.get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
              | CancellationException e) {
            // checked again below
          }
        }
        if (status.get() == JobStatus.CANCELLED) {
          head.cancel(true);
          break;
        }
        JobItem item;
        try {
          item = new JobItem(index, head.join(), null);
        } catch (CompletionException | CancellationException e) {
          Throwable c = e instanceof CompletionException ? e.getCause() : e;
          if (status.get() == JobStatus.CANCELLED) {
            break;
          }
          MaasException m = c instanceof MaasException ? (MaasException) c
              : new InferenceException("item " + index + " failed: " + c, c);
          item = new JobItem(index, null, m);
          failed.incrementAndGet();
        }
        deliver(item);
        delivered.incrementAndGet();
        if (!item.ok() && options.stopOnFirstFailure()) {
          end = JobStatus.FAILED;
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end = JobStatus.CANCELLED;
    } catch (RuntimeException e) {
      LOG.warn("bulk job on {} stopped: reading its inputs failed: {}", version, e.toString());
      end = JobStatus.FAILED;
    }
    window.forEach(f -> f.cancel(true));
    window.clear();
    status.compareAndSet(JobStatus.RUNNING, end);
    if (buffer != null && status.get() == JobStatus.CANCELLED) {
      buffer.clear();
    }
    finished = true;
    completion.complete(progress());
  }

  /** Submits through the service; an overloaded queue is waited out, not reported as a failure. */
  private CompletableFuture<InferenceResult> submit(InferenceRequest req, CallOptions call) throws InterruptedException {
    long backoff = 1;
    for (;;) {
      CompletableFuture<InferenceResult> f = service.predictAsync(version.ref(), req, call);
      if (!f.isCompletedExceptionally()) {
        return f;
      }
      try {
        f.join();
        return f;
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof OverloadedException) || status.get() != JobStatus.RUNNING) {
          return f;
        }
      }
      Thread.sleep(backoff);
      backoff = Math.min(backoff * 2, 50);
    }
  }

  private void deliver(JobItem item) throws InterruptedException {
    if (options.listener() != null) {
      options.listener().accept(item);
    } else {
      buffer.put(item);
    }
  }

  @Override
  public ModelVersion version() {
    return version;
  }

  @Override
  public JobStatus status() {
    return status.get();
  }

  @Override
  public JobProgress progress() {
    long t = total >= 0 ? total : knownTotal != null ? knownTotal : -1;
    return new JobProgress(delivered.get(), failed.get(), t >= 0 ? OptionalLong.of(t) : OptionalLong.empty());
  }

  @Override
  public boolean cancel() {
    if (!status.compareAndSet(JobStatus.RUNNING, JobStatus.CANCELLED)) {
      return false;
    }
    if (buffer != null) {
      buffer.clear(); // unblocks a driver waiting to put
    }
    return true;
  }

  @Override
  public CompletableFuture<JobProgress> completion() {
    return completion;
  }

  @Override
  public Iterator<JobItem> results() {
    if (buffer == null) {
      throw new IllegalStateException("this job delivers its items to a listener");
    }
    return new Iterator<>() {
      private JobItem next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          boolean done = finished; // read before polling: an item put before it was set is seen
          try {
            next = buffer.poll(20, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
          if (next == null && done) {
            return false;
          }
        }
        return true;
      }

      @Override
      public JobItem next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        JobItem item = next;
        next = null;
        return item;
      }
    };
  }
}
