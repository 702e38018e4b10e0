package dev.maas.internal;

import dev.maas.DeadlineExceededException;
import dev.maas.InferenceException;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ModelSignature;
import dev.maas.OverloadedException;
import dev.maas.ServiceClosedException;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.batch.BatchingPolicy;
import dev.maas.batch.LatencySummary;
import dev.maas.batch.SchedulerStats;
import dev.maas.batch.Ticker;
import dev.maas.spi.LoadedModel;
import dev.maas.version.ModelVersion;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-version scheduler every call goes through: a bounded priority queue that decides
 * admission, batchers that form batches from it, and the runs.
 *
 * <p>Who runs a batch: whichever thread finds an instance free first. A blocking caller ({@link
 * #call}) that finds one free forms and runs the next batch itself, on its own thread and under the
 * rules a batcher follows (priority, FIFO, {@code maxBatchSize}, {@code maxQueueDelay}, deadlines),
 * and completes the other requests in it; when that batch would be its own request alone, it skips
 * the queue. Otherwise the request is queued and the caller waits; the batcher threads (one per
 * instance) run what queued callers and {@link #submit asynchronous submissions} leave.
 *
 * <p>When a batch with more than {@link #WAKES_PER_THREAD} blocking callers is answered, its thread
 * answers that many of them (its own request first, when it is a caller that led the batch) and each
 * woken caller answers as many more before it returns ({@link Wakeups}), so that waking a batch's
 * callers is spread over their threads rather than queued behind the runner's.
 *
 * <p>Every request ends in exactly one terminal state — answered, failed, expired, cancelled or
 * closed — decided by one compare-and-set on its state; the future completes once, from there.
 * While any request is queued or running the version stays open; {@link #retire} lets the queue
 * drain and then closes the model, {@link #shutdown} fails what is queued.
 */
final class Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;

  /** One call, from arrival to its terminal state. */
  static final class Pending {
    final Map<String, Tensor> inputs;
    final int rows;
    final int priority;
    /** Whether a thread waits in {@link #call} for this request (it then helps wake its batch). */
    final boolean blocking;
    final long arrival;
    final long deadline; // Long.MAX_VALUE when none
    final Batches.ShapeKey key;
    final CompletableFuture<InferenceResult> future = new CompletableFuture<>();
    final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile ScheduledFuture<?> timer;
    /**
     * Its batch's blocking callers (this one included), for this request's caller to help wake once
     * answered; set before the future completes, which publishes it to the caller.
     */
    Wakeups wakeups;

    Pending(Map<String, Tensor> inputs, int rows, int priority, boolean blocking, long arrival, long deadline,
        Batches.ShapeKey key) {
      this.inputs = inputs;
      this.rows = rows;
      this.priority = priority;
      this.blocking = blocking;
      this.arrival = arrival;
      this.deadline = deadline;
      this.key = key;
    }
  }

  private final ModelVersion version;
  private final LoadedModel model;
  private final BatchingPolicy policy;
  private final ModelSignature signature;
  private final List<TensorSpec> inputSpecs;
  private final boolean batching;
  /** Whether a lone request with an instance free goes at once (no straggler wait): then it skips the queue. */
  private final boolean dispatchesAlone;
  private final long maxQueueDelayNanos;
  private final Ticker ticker;
  private final ScheduledExecutorService timers;

  private final ReentrantLock lock = new ReentrantLock();
  /** Batchers wait on it for work and a free instance; signalled only when one could act. */
  private final Condition changed = lock.newCondition();
  /**
   * The thread forming a batch waits on it for stragglers; signalled when what was queued since could
   * complete the batch, or could shorten its wait (an earlier deadline), or the scheduler closes.
   */
  private final Condition formed = lock.newCondition();
  /** Queued requests by priority, highest first; FIFO within a priority. Guarded by lock. */
  private final TreeMap<Integer, ArrayDeque<Pending>> queue = new TreeMap<>((a, b) -> Integer.compare(b, a));
  private int queued; // guarded by lock
  private volatile int queuedView; // read without the lock by the direct path
  private boolean forming; // a batcher is forming a batch; guarded by lock
  // While forming waits: compatible rows still missing for a full or preferred-size batch, the time
  // it would stop waiting, and the batch's shape key. Guarded by lock.
  private int formingNeed;
  private long formingBy;
  private Batches.ShapeKey formingKey;
  private boolean blocked; // the last scan met a compatible request too big for the batch; guarded by lock
  private boolean accepting = true; // guarded by lock
  private volatile boolean acceptingView = true; // read without the lock by the direct path
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger(); // queued + running requests
  private volatile Runnable onDrained;
  private final List<Thread> workers = new ArrayList<>();

  private final LongAdder completed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final AtomicLongArray batchSizes;
  private final Recorder waitRecorder = new Recorder(3);
  private final Recorder runRecorder = new Recorder(3);
  private final Histogram waitTotal = new Histogram(3);
  private final Histogram runTotal = new Histogram(3);

  /**
   * The longest wait the ticker arithmetic takes (about 73 years): longer queue delays wait this
   * long, and longer timeouts are no deadline. {@code Duration.toNanos()} overflows past 292 years,
   * and times on the ticker are compared by subtraction.
   */
  static final Duration LONGEST_WAIT = Duration.ofNanos(Long.MAX_VALUE / 4);

  /**
   * How many blocking callers of an answered batch each thread wakes: the batch's runner, then each
   * woken caller. Waking a parked thread is a system call of several µs; one runner waking 64
   * callers in turn kept the instance waiting for the last of them (64 callers on 2 cores: 1.33
   * context switches per row and 69k rows/s with one waker, 1.03 and 78k with two per thread; four
   * were no better than two).
   */
  static final int WAKES_PER_THREAD = 2;

  Scheduler(ModelVersion version, LoadedModel model, BatchingPolicy policy, Ticker ticker,
      ScheduledExecutorService timers, ThreadFactory threads) {
    this.version = version;
    this.model = model;
    ModelSignature sig = model.signature();
    this.signature = sig;
    this.inputSpecs = sig.inputs();
    this.batching = policy.batching() && batchable(sig);
    this.policy = batching ? policy : policy.withMaxBatchSize(1);
    Duration delay = this.policy.maxQueueDelay().compareTo(LONGEST_WAIT) < 0 ? this.policy.maxQueueDelay() : LONGEST_WAIT;
    this.maxQueueDelayNanos = delay.toNanos();
    this.dispatchesAlone = !batching || maxQueueDelayNanos == 0;
    this.ticker = ticker;
    this.timers = timers;
    this.batchSizes = new AtomicLongArray(this.policy.maxBatchSize() + 1);
    for (int i = 0; i < this.policy.instances(); i++) {
      Thread t = threads.newThread(this::workerLoop);
      t.setName("maas-" + version + "-" + i);
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  /** Batching needs a dynamic first dimension on every input and output. */
  static boolean batchable(ModelSignature sig) {
    for (TensorSpec s : sig.inputs()) {
      if (s.hasShape() && (s.shape().isEmpty() || s.shape().get(0).isFixed())) {
        return false;
      }
    }
    for (TensorSpec s : sig.outputs()) {
      if (s.hasShape() && (s.shape().isEmpty() || s.shape().get(0).isFixed())) {
        return false;
      }
    }
    return true;
  }

  BatchingPolicy policy() {
    return policy;
  }

  boolean batching() {
    return batching;
  }

  // ------------------------------------------------------------------ admission

  /**
   * Runs one call on the calling thread's behalf and returns its result. When an instance is free
   * the caller runs the next batch itself (see the class comment); when nothing is queued and the
   * policy would dispatch a lone request at once (batching off, or no straggler wait), that batch is
   * its request alone and the queue is skipped. Otherwise it waits for its request to be run.
   */
  InferenceResult call(Map<String, Tensor> inputs, int priority, long deadline) {
    if (dispatchesAlone && queuedView == 0 && acceptingView && tryTakeSlot()) {
      return runAlone(inputs, deadline);
    }
    Pending p = admit(inputs, priority, true, deadline);
    boolean lead = enqueue(p, true);
    try {
      if (lead) {
        boolean[] interrupted = {false};
        while (lead) {
          execute(formLed(interrupted), p);
          // A caller whose deadline has passed stops leading: the timer armed below expires its request.
          lead = p.state.get() == QUEUED && (deadline == Long.MAX_VALUE || ticker.read() - deadline < 0) && tryLead();
        }
        if (interrupted[0]) {
          Thread.currentThread().interrupt(); // kept for the caller, after the runs it led
        }
      }
      if (deadline != Long.MAX_VALUE && p.state.get() == QUEUED) {
        armTimer(p);
      }
      return p.future.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw unwrap(e.getCause());
    } catch (CancellationException e) {
      throw new MaasException(dev.maas.ErrorCode.CANCELLED, "call to " + version + " was cancelled", false, e);
    } finally {
      if (!p.future.isDone()) {
        abandon(p);
      }
      // Answered by another batch's runner, this caller helps wake that batch, also when it leaves
      // by an exception (from a batch it led, say). The future is done: p.wakeups is complete.
      Wakeups w = p.wakeups;
      if (w != null) {
        w.wake();
      }
    }
  }

  /**
   * For a caller leaving by an exception before its request was answered (an {@code Error} from a
   * batch it led, say). Still queued, the request is withdrawn: nobody would read its answer, and in
   * a later batch's tree of wake-ups it would be a helper that never helps, stranding the callers it
   * should have woken. Already claimed by a batch, it is waited for (one run at most), so that this
   * caller helps wake that batch like any other.
   */
  private void abandon(Pending p) {
    if (withdraw(p, cancelled)) {
      p.future.cancel(false);
      finish(p);
    } else {
      p.future.exceptionally(e -> null).join();
    }
  }

  /** A lone request on the caller's thread; the caller holds a run slot, which this gives back. */
  private InferenceResult runAlone(Map<String, Tensor> inputs, long deadline) {
    inFlight.incrementAndGet();
    try {
      // A queued request is checked when admitted; with batching off the model checks its inputs.
      int rows = batching ? checkBatchable(inputs) : 1;
      long start = ticker.read();
      if (deadline != Long.MAX_VALUE && start - deadline >= 0) {
        expired.increment();
        throw new DeadlineExceededException("deadline passed before " + version + " could run");
      }
      InferenceResult result;
      try {
        Map<String, Tensor> outputs = model.run(inputs);
        record(rows, 0, ticker.read() - start); // a run, even if its outputs fail when read
        result = new InferenceResult(version, outputs);
      } catch (InvalidInputException | ServiceClosedException e) {
        throw e;
      } catch (MaasException e) {
        failed.increment();
        throw e;
      } catch (RuntimeException e) {
        failed.increment();
        throw new InferenceException(version + " failed: " + e.getMessage(), e);
      }
      completed.increment();
      return result;
    } finally {
      releaseSlot();
      requestDone();
    }
  }

  /**
   * Queues a call; the future completes exactly once. Validation and admission failures complete it
   * at once.
   */
  CompletableFuture<InferenceResult> submit(Map<String, Tensor> inputs, int priority, long deadline) {
    Pending p;
    try {
      p = admit(inputs, priority, false, deadline);
      enqueue(p, false);
    } catch (MaasException e) {
      return CompletableFuture.failedFuture(e);
    }
    // Removal on cancel: the caller's cancel(true) completes the future; take the request out.
    p.future.whenComplete((r, e) -> {
      if (e instanceof CancellationException && withdraw(p, cancelled)) {
        finish(p);
      }
    });
    if (deadline != Long.MAX_VALUE) {
      armTimer(p);
    }
    return p.future;
  }

  /**
   * Checks a request on the caller's thread — one bad request must never fail a whole batch — and
   * makes its pending record.
   */
  private Pending admit(Map<String, Tensor> inputs, int priority, boolean blocking, long deadline) {
    int rows = checkBatchable(inputs);
    Batches.ShapeKey key = batching ? Batches.shapeKey(inputs, inputSpecs, policy) : null;
    return new Pending(inputs, rows, priority, blocking, ticker.read(), deadline, key);
  }

  /** Validates the inputs against the signature and the batch limit; returns the request's rows. */
  private int checkBatchable(Map<String, Tensor> inputs) {
    signature.validate(inputs);
    int rows = batching ? Batches.rows(inputs) : 1;
    if (rows > policy.maxBatchSize()) {
      throw new InvalidInputException("request has " + rows + " rows but " + version + " takes at most "
          + policy.maxBatchSize() + " per batch (maxBatchSize); split it or submit it as a bulk job");
    }
    return rows;
  }

  /**
   * Queues a request; the bounded queue decides admission, atomically with the enqueue. With {@code
   * mayLead}, a caller that finds an instance free and no batch forming takes the instance and the
   * right to form (true returned); otherwise a batcher is woken if one could act now.
   *
   * @throws ServiceClosedException if the scheduler no longer takes requests
   * @throws OverloadedException if the queue is full
   */
  private boolean enqueue(Pending p, boolean mayLead) {
    lock.lock();
    try {
      if (!accepting) {
        throw new ServiceClosedException(version + " is closed");
      }
      if (queued >= policy.queueCapacity()) {
        rejected.increment();
        throw new OverloadedException(
            "queue of " + version + " is full (" + policy.queueCapacity() + " requests); retry later");
      }
      queue.computeIfAbsent(p.priority, k -> new ArrayDeque<>()).addLast(p);
      queued++;
      queuedView = queued;
      inFlight.incrementAndGet();
      if (mayLead && leadLocked()) {
        return true;
      }
      if (forming) {
        // Wake the former only when this request could end its wait: waking it for every straggler
        // costs a wake-up per row (a futex call for a platform thread) for nothing.
        boolean compatible = java.util.Objects.equals(p.key, formingKey);
        if (compatible) {
          formingNeed -= p.rows;
        }
        if (formingNeed <= 0 || compatible && p.deadline != Long.MAX_VALUE && p.deadline - formingBy < 0) {
          formed.signal();
        }
      } else if (running.get() < policy.instances()) {
        // Wake a batcher only if one could act: an instance is free and nobody forms. When every
        // instance is busy, the thread that frees one sees this request (releaseSlot).
        changed.signalAll();
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Takes an instance and the right to form the next batch, if both are free. */
  private boolean tryLead() {
    lock.lock();
    try {
      return leadLocked();
    } finally {
      lock.unlock();
    }
  }

  /**
   * With the lock held: if there is work, no other thread is forming and an instance is free, takes
   * the instance (last, so that it is taken only then) and the right to form the next batch.
   */
  private boolean leadLocked() {
    if (forming || queued == 0 || !tryTakeSlot()) {
      return false;
    }
    forming = true;
    return true;
  }

  private void armTimer(Pending p) {
    long delay = p.deadline - ticker.read();
    p.timer = timers.schedule(() -> expire(p), Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  private void expire(Pending p) {
    if (withdraw(p, expired)) {
      p.future.completeExceptionally(new DeadlineExceededException(
          "deadline passed while queued for " + version + "; the request was not run"));
      finish(p);
    }
  }

  /**
   * Takes a still-queued request out of the queue and counts it under {@code outcome}; false if it
   * already left the queued state (claimed by a batch, or withdrawn before). The caller completes
   * its future and calls {@link #finish}.
   */
  private boolean withdraw(Pending p, LongAdder outcome) {
    if (!p.state.compareAndSet(QUEUED, DONE)) {
      return false;
    }
    remove(p);
    outcome.increment();
    return true;
  }

  private void remove(Pending p) {
    lock.lock();
    try {
      ArrayDeque<Pending> d = queue.get(p.priority);
      if (d != null && d.remove(p)) {
        queued--;
        queuedView = queued;
        if (d.isEmpty()) {
          queue.remove(p.priority);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Called once per request, after its terminal state is set. */
  private void finish(Pending p) {
    ScheduledFuture<?> t = p.timer;
    if (t != null) {
      t.cancel(false);
    }
    requestDone();
  }

  private void requestDone() {
    if (inFlight.decrementAndGet() == 0) {
      maybeDrained();
    }
  }

  // ------------------------------------------------------------------ slots

  private boolean tryTakeSlot() {
    for (;;) {
      int r = running.get();
      if (r >= policy.instances()) {
        return false;
      }
      if (running.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Hands a run slot back; wakes a batcher when requests wait for one (see enqueue). */
  private void releaseSlot() {
    running.decrementAndGet();
    if (queuedView > 0) {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  // ------------------------------------------------------------------ batchers

  /**
   * A batcher serves until the scheduler is closed and empty. Like a pool's worker it outlives what
   * a batch throws and an interrupt from outside (maas sends none): an {@code Error} from a batch is
   * logged once its requests have failed; an interrupt while forming ends the wait for stragglers,
   * as on a caller's thread, and the batch formed so far runs; one at any other time is cleared.
   */
  private void workerLoop() {
    for (;;) {
      try {
        List<Pending> batch = nextBatch();
        if (batch == null) {
          return;
        }
        execute(batch, null);
      } catch (Error e) {
        // Its requests failed first (formAndClaim, execute); without this catch the instance would
        // lose its batcher.
        LOG.error("a batch of {} failed with an Error; its requests failed and its batcher goes on", version, e);
      }
    }
  }

  /**
   * Waits until there is work, no other thread is forming and an instance is free; then takes the
   * instance, forms the next batch and returns it (the caller runs it and gives the slot back). Null
   * when the scheduler is closed and empty.
   */
  private List<Pending> nextBatch() {
    lock.lock();
    try {
      while (!leadLocked()) {
        if (!accepting && queued == 0) {
          return null;
        }
        changed.awaitUninterruptibly();
      }
      Thread.interrupted(); // one that came while idle or during the last run: only forming heeds it
      return formAndClaim(new boolean[1]); // a batcher keeps no interrupt: nobody to report it to
    } finally {
      lock.unlock();
    }
  }

  /**
   * Forms the next batch on a caller's thread that took the right to (see {@link #enqueue}). An
   * interrupt ends the wait for stragglers and is reported in {@code interrupted[0]}.
   */
  private List<Pending> formLed(boolean[] interrupted) {
    lock.lock();
    try {
      return formAndClaim(interrupted);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Forms a batch from the queue: the first request by priority then arrival, then the compatible
   * ones behind it, waiting for stragglers until the oldest has waited {@code maxQueueDelay} (never
   * past a deadline in the batch) unless the batch is full or of a preferred size. Holds the lock,
   * the forming right and a run slot; gives the forming right back.
   *
   * <p>An {@code Error} here (out of memory, say) fails the requests already taken from the queue and
   * gives the run slot back before it is rethrown: nothing waits for a batch that never runs.
   *
   * @param interrupted an interrupt ends the wait for stragglers and is reported in element 0 (for a
   *     caller to keep; a batcher clears it)
   */
  private List<Pending> formAndClaim(boolean[] interrupted) {
    List<Pending> batch = null;
    Pending first = null;
    try {
      batch = new ArrayList<>();
      if (queued == 0) {
        return batch; // shut down meanwhile: nothing to form; the empty batch gives the slot back
      }
      first = pollFirst();
      batch.add(first);
      int rows = first.rows;
      long formBy = first.deadline;
      if (batching) {
        formBy = Math.min(formBy, first.arrival + maxQueueDelayNanos);
        for (;;) {
          rows = takeCompatible(batch, rows, first.key);
          formBy = Math.min(formBy, earliestDeadline(batch));
          if (rows >= policy.maxBatchSize() || blocked || policy.preferredBatchSizes().contains(rows) || !accepting) {
            break;
          }
          long wait = formBy - ticker.read();
          if (wait <= 0 || interrupted[0]) {
            break;
          }
          formingNeed = target(rows) - rows;
          formingBy = formBy;
          formingKey = first.key;
          try {
            formed.awaitNanos(wait);
          } catch (InterruptedException e) {
            interrupted[0] = true;
          }
        }
      }
      return claim(batch);
    } catch (Error e) {
      if (first != null && batch.isEmpty()) { // first is set only once batch is
        batch = List.of(first); // taken from the queue, not yet in the batch
      }
      failTaken(batch == null ? List.of() : batch, e);
      releaseSlot();
      throw e;
    } finally {
      forming = false;
      // Another thread may form next: wake one if there is work and an instance for it.
      if (queued > 0 && running.get() < policy.instances()) {
        changed.signalAll();
      }
    }
  }

  /** The batch size a forming batch of {@code rows} waits for: the next preferred size, else the maximum. */
  private int target(int rows) {
    int t = policy.maxBatchSize();
    for (int s : policy.preferredBatchSizes()) {
      if (s > rows && s < t) {
        t = s;
      }
    }
    return t;
  }

  private static long earliestDeadline(List<Pending> batch) {
    long d = Long.MAX_VALUE;
    for (Pending p : batch) {
      d = Math.min(d, p.deadline);
    }
    return d;
  }

  /** The first live request by priority then arrival; caller holds the lock and knows one is queued. */
  private Pending pollFirst() {
    Map.Entry<Integer, ArrayDeque<Pending>> e = queue.firstEntry();
    Pending p = e.getValue().pollFirst();
    if (e.getValue().isEmpty()) {
      queue.remove(e.getKey());
    }
    queued--;
    queuedView = queued;
    return p;
  }

  /**
   * Moves compatible queued requests into the batch, by priority then arrival, up to the row limit.
   * Requests of another shape are skipped (they lead a later batch); a compatible request that does
   * not fit ends the scan, so nothing overtakes it.
   */
  private int takeCompatible(List<Pending> batch, int rows, Batches.ShapeKey key) {
    blocked = false;
    Iterator<Map.Entry<Integer, ArrayDeque<Pending>>> levels = queue.entrySet().iterator();
    scan:
    while (levels.hasNext() && rows < policy.maxBatchSize()) {
      ArrayDeque<Pending> d = levels.next().getValue();
      Iterator<Pending> it = d.iterator();
      while (it.hasNext() && rows < policy.maxBatchSize()) {
        Pending p = it.next();
        if (!key.equals(p.key)) {
          continue;
        }
        if (rows + p.rows > policy.maxBatchSize()) {
          blocked = true;
          break scan;
        }
        batch.add(p); // before it leaves the queue: an Error in add (growing the list) loses nothing
        it.remove();
        queued--;
        rows += p.rows;
      }
      if (d.isEmpty()) {
        levels.remove();
      }
    }
    queuedView = queued;
    return rows;
  }

  /** Claims each request for running; the ones cancelled or expired meanwhile drop out. */
  private List<Pending> claim(List<Pending> batch) {
    long now = ticker.read();
    List<Pending> live = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      if (p.deadline != Long.MAX_VALUE && now - p.deadline >= 0) {
        expire(p);
      } else if (p.state.compareAndSet(QUEUED, RUNNING)) {
        live.add(p);
      }
    }
    return live;
  }

  /**
   * Runs a claimed batch on the current thread, completes its requests and gives its run slot back.
   * The slot goes back <i>before</i> the completions when the queue already holds a full batch: the
   * next batch then starts while the callers of this one are woken. Otherwise it goes back once its
   * blocking callers are answered, so that they can join the next one: with delay 0 an instance freed
   * at once would run a few early risers alone, and small batches cost more per row. More than {@link
   * #WAKES_PER_THREAD} blocking callers are woken as a tree ({@link Wakeups}), whose last answer gives
   * the slot back, possibly before this thread has answered the batch's asynchronous submissions.
   *
   * @param self the request of the caller running the batch, answered first (it needs no wake-up);
   *     null on a batcher thread
   */
  private void execute(List<Pending> batch, Pending self) {
    boolean slotHeld = true;
    try {
      int n = batch.size();
      if (n == 0) {
        return;
      }
      long start = ticker.read();
      int total = 0;
      int blocking = 0;
      int own = -1;
      for (int i = 0; i < n; i++) {
        Pending p = batch.get(i);
        total += p.rows;
        blocking += p.blocking ? 1 : 0;
        own = p == self ? i : own;
        waitRecorder.recordValue(Math.max(0, start - p.arrival));
      }
      List<Map<String, Tensor>> outputs;
      try {
        if (n == 1) { // the common case with callers running their own batches: nothing to gather
          outputs = List.of(model.run(batch.get(0).inputs));
        } else {
          int[] rows = new int[n];
          List<Map<String, Tensor>> inputs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            rows[i] = batch.get(i).rows;
            inputs.add(batch.get(i).inputs);
          }
          Map<String, Tensor> out = model.run(Batches.concat(inputs, rows, inputSpecs, policy));
          outputs = Batches.split(out, inputs, rows, policy);
        }
      } catch (RuntimeException | Error e) {
        failAll(batch, e);
        if (e instanceof Error) {
          throw (Error) e; // every request of the batch is completed first
        }
        return;
      }
      try {
        record(total, -1, ticker.read() - start);
        if (queuedView >= policy.maxBatchSize()) {
          slotHeld = false;
          releaseSlot();
        }
        if (blocking <= WAKES_PER_THREAD) {
          for (int i = 0; i < n; i++) {
            answer(batch.get(i), outputs.get(i));
          }
          return;
        }
        Wakeups w = new Wakeups(blocking, slotHeld);
        slotHeld = false;
        if (own >= 0) {
          w.add(self, outputs.get(own));
        }
        for (int i = 0; i < n; i++) {
          Pending p = batch.get(i);
          if (p.blocking && i != own) {
            w.add(p, outputs.get(i));
          }
        }
        w.wake();
        for (int i = 0; i < n; i++) { // asynchronous submissions: their callbacks run on this thread
          Pending p = batch.get(i);
          if (!p.blocking) {
            answer(p, outputs.get(i));
          }
        }
      } catch (Error e) {
        // Out of memory while answering, say: whatever is still unanswered fails, so that no caller
        // (nor abandon, for the runner's own request) waits for an answer that never comes.
        failAll(batch, e);
        throw e;
      }
    } finally {
      if (slotHeld) {
        releaseSlot();
      }
    }
  }

  /**
   * Completes a request with its outputs, unless it already reached another terminal state. Outputs
   * that fail when read (a faulty runtime's map) fail the request instead: this never throws an
   * exception, so neither the runner nor a helper of a wake-up tree is stopped by one. An {@code
   * Error} while the answer is built (out of memory) fails the request before it is rethrown, so
   * that its caller wakes and, in a tree, goes on waking the others.
   */
  private void answer(Pending p, Map<String, Tensor> outputs) {
    InferenceResult result;
    try {
      result = new InferenceResult(version, outputs);
    } catch (RuntimeException | Error e) {
      failAll(List.of(p), e);
      if (e instanceof Error) {
        throw (Error) e;
      }
      return;
    }
    if (p.state.compareAndSet(RUNNING, DONE)) {
      completed.increment();
      p.future.complete(result);
      finish(p);
    }
  }

  /**
   * The blocking callers of one answered batch, woken as a tree: the runner answers {@link
   * #WAKES_PER_THREAD} of them (its own request first if it is one of the callers), and each, once
   * awake, answers as many more before it returns (in {@link #call}). Each takes the next caller
   * from a shared counter. A helper slow to get there (one still running a batch it leads on another
   * instance, say) delays the callers it would have answered until another helper takes them; if
   * every answered caller is busy so, the rest wait until one returns. The last answer gives the
   * batch's run slot back if the batch still held it. Filled by the runner before its first answer;
   * every helper sees it through its own request's future.
   */
  private final class Wakeups {
    private final Pending[] callers;
    private final Map<String, Tensor>[] outputs;
    private int filled;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger unanswered;
    private final boolean holdsSlot;

    @SuppressWarnings("unchecked")
    Wakeups(int size, boolean holdsSlot) {
      this.callers = new Pending[size];
      this.outputs = new Map[size];
      this.unanswered = new AtomicInteger(size);
      this.holdsSlot = holdsSlot;
    }

    void add(Pending p, Map<String, Tensor> out) {
      p.wakeups = this;
      callers[filled] = p;
      outputs[filled++] = out;
    }

    /** Answers up to {@link #WAKES_PER_THREAD} more of the callers. */
    void wake() {
      for (int k = 0; k < WAKES_PER_THREAD; k++) {
        int i = next.getAndIncrement();
        if (i >= callers.length) {
          return;
        }
        try {
          answer(callers[i], outputs[i]);
        } finally {
          if (unanswered.decrementAndGet() == 0 && holdsSlot) {
            releaseSlot();
          }
        }
      }
    }
  }

  /** Fails requests taken from the queue for a batch that will not run, claimed or not. */
  private void failTaken(List<Pending> taken, Throwable cause) {
    for (Pending p : taken) {
      p.state.compareAndSet(QUEUED, RUNNING); // not claimed yet: nobody else completes it now
    }
    failAll(taken, cause);
  }

  private void failAll(List<Pending> batch, Throwable cause) {
    for (Pending p : batch) {
      if (p.state.compareAndSet(RUNNING, DONE)) {
        MaasException e;
        if (cause instanceof InferenceException || cause instanceof ServiceClosedException) {
          e = (MaasException) cause;
        } else {
          e = new InferenceException(version + " failed on a batch of " + batch.size() + " requests: "
              + cause.getMessage(), cause);
        }
        failed.increment();
        p.future.completeExceptionally(e);
        finish(p);
      }
    }
  }

  private void record(int rows, long waitNanos, long runNanos) {
    if (rows < batchSizes.length()) {
      batchSizes.incrementAndGet(rows);
    }
    batches.increment();
    if (waitNanos >= 0) {
      waitRecorder.recordValue(waitNanos);
    }
    runRecorder.recordValue(Math.max(0, runNanos));
  }

  // ------------------------------------------------------------------ lifecycle and stats

  /** Requests queued or running. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * Stops taking requests; queued ones still run. {@code onDrained} runs once, when the last one is
   * done (at once if none is).
   */
  void retire(Runnable onDrained) {
    this.onDrained = onDrained;
    lock.lock();
    try {
      accepting = false;
      acceptingView = false;
      changed.signalAll();
      formed.signalAll();
    } finally {
      lock.unlock();
    }
    maybeDrained();
  }

  /** Stops taking requests and fails every queued one with {@link ServiceClosedException}. */
  void shutdown(Runnable onDrained) {
    List<Pending> dropped = new ArrayList<>();
    this.onDrained = onDrained;
    lock.lock();
    try {
      accepting = false;
      acceptingView = false;
      for (ArrayDeque<Pending> d : queue.values()) {
        dropped.addAll(d);
      }
      queue.clear();
      queued = 0;
      queuedView = 0;
      changed.signalAll();
      formed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Pending p : dropped) {
      if (p.state.compareAndSet(QUEUED, DONE)) {
        p.future.completeExceptionally(new ServiceClosedException("model service closed before " + version + " ran the request"));
        finish(p);
      }
    }
    maybeDrained();
  }

  private void maybeDrained() {
    if (inFlight.get() != 0) {
      return;
    }
    boolean closed;
    lock.lock();
    try {
      closed = !accepting;
      if (closed) {
        changed.signalAll(); // closed and empty: idle batchers exit (see nextBatch)
      }
    } finally {
      lock.unlock();
    }
    if (closed) {
      Runnable r = onDrained;
      if (r != null) {
        synchronized (this) {
          r = onDrained;
          onDrained = null;
        }
        if (r != null) {
          try {
            r.run();
          } catch (RuntimeException e) {
            // It may run on any caller's thread (the last one answered): that call's result stands.
            LOG.warn("closing {} once retired and drained failed", version, e);
          }
        }
      }
    }
  }

  /** Whether the scheduler takes new requests (a volatile read: this is on every call's path). */
  boolean accepting() {
    return acceptingView;
  }

  SchedulerStats stats() {
    int depth;
    lock.lock();
    try {
      depth = queued;
    } finally {
      lock.unlock();
    }
    long[] sizes = new long[batchSizes.length()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = batchSizes.get(i);
    }
    LatencySummary wait;
    LatencySummary run;
    synchronized (waitTotal) {
      waitTotal.add(waitRecorder.getIntervalHistogram());
      runTotal.add(runRecorder.getIntervalHistogram());
      wait = summary(waitTotal);
      run = summary(runTotal);
    }
    return new SchedulerStats(version, depth, running.get(), completed.sum(), rejected.sum(), expired.sum(),
        failed.sum(), cancelled.sum(), batches.sum(), sizes, wait, run);
  }

  private static LatencySummary summary(Histogram h) {
    if (h.getTotalCount() == 0) {
      return LatencySummary.EMPTY;
    }
    double ms = 1e6;
    return new LatencySummary(h.getTotalCount(), h.getValueAtPercentile(50) / ms, h.getValueAtPercentile(90) / ms,
        h.getValueAtPercentile(99) / ms, h.getMaxValue() / ms, h.getMean() / ms);
  }

  static RuntimeException unwrap(Throwable t) {
    if (t instanceof RuntimeException) {
      return (RuntimeException) t;
    }
    return new InferenceException(t.toString(), t);
  }
}
