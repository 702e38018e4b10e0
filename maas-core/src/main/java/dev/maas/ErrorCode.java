package dev.maas;

/**
 * Machine-readable cause of a {@link MaasException}; stable across releases so that callers and
 * tools (the CLI maps them to exit codes) can branch on it.
 */
public enum ErrorCode {
  /** No model of that name exists in the store. */
  MODEL_NOT_FOUND,
  /** The model exists, but not the version or alias asked for. */
  VERSION_NOT_FOUND,
  /** A request, tensor, name or argument is not acceptable. */
  INVALID_INPUT,
  /** The runtime could not load the model (corrupt file, unsupported operator or type, no device). */
  MODEL_LOAD_FAILED,
  /** The runtime failed while running a loaded model. */
  INFERENCE_FAILED,
  /** A blob or manifest does not match its recorded digest or signature. */
  INTEGRITY_VIOLATION,
  /** The service (or a model version) was closed. */
  SERVICE_CLOSED,
  /** The model store could not be read or written. */
  STORE_UNAVAILABLE,
  /** A concurrent change won, or the operation conflicts with the current state. */
  CONFLICT,
  /** The call's deadline passed before it could complete. */
  DEADLINE_EXCEEDED,
  /** A bounded queue was full; the call was refused at once. */
  OVERLOADED,
  /** The call was cancelled by its caller. */
  CANCELLED,
  /** Loading a version would exceed the memory budget and nothing can be evicted. */
  CAPACITY,
  /** The service's authorizer did not allow the caller to do this to this model. */
  ACCESS_DENIED
}
