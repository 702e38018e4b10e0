package dev.maas.spi;

import dev.maas.ModelSignature;
import dev.maas.Tensor;
import java.util.Map;

/**
 * One model loaded into a {@link Runtime}, holding native resources until {@link #close()}.
 *
 * <p>{@link #run} is safe to call from many threads at once. {@link #close()} stops new runs (they
 * fail with {@link dev.maas.ServiceClosedException}), waits for runs in flight, then frees the
 * native resources; it is idempotent. A run must never see its model freed under it.
 */
public interface LoadedModel extends AutoCloseable {

  /** The inputs and outputs, as the runtime reads them. */
  ModelSignature signature();

  /**
   * Runs the model once. Inputs are validated against {@link #signature()} before native code sees
   * them.
   *
   * @param inputs every input of the signature, by name
   * @return every output, by name, in the signature's order
   * @throws dev.maas.InvalidInputException if the inputs do not fit the signature
   * @throws dev.maas.InferenceException if the runtime fails
   * @throws dev.maas.ServiceClosedException if the model was closed
   */
  Map<String, Tensor> run(Map<String, Tensor> inputs);

  /**
   * An estimate of the memory this model holds, in bytes (at least its file size); used to weigh
   * loaded models against a memory budget.
   */
  long footprintBytes();

  /** Stops new runs, waits for those in flight, then frees native resources. Idempotent. */
  @Override
  void close();
}
