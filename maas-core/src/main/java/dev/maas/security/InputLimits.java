package dev.maas.security;

/**
 * Bounds on what callers and stores may hand the service, checked before any work is done: the
 * size of requests (elements and bytes per tensor and per request, the number of inputs, the length
 * of input names) and the size and nesting depth of the JSON documents read from the store
 * (manifests and alias records). Each violation fails with a {@link dev.maas.LimitExceededException}
 * whose {@link dev.maas.LimitExceededException#limit() limit()} is the name of the component below.
 * Model and alias names are bounded separately and always (1 to 128 characters, see {@link
 * dev.maas.Names}).
 *
 * <p>Immutable; derive variants with the {@code with...} methods, which validate at once:
 * <pre>{@code
 * ModelService.builder().inputLimits(InputLimits.defaults().withMaxRequestBytes(64 << 20))
 * }</pre>
 *
 * @param maxTensorElements the most elements one input tensor may have
 * @param maxTensorBytes the most bytes one input tensor may hold (for strings, their UTF-8 bytes)
 * @param maxRequestElements the most elements all inputs of one request may have together
 * @param maxRequestBytes the most bytes all inputs of one request may hold together
 * @param maxInputs the most inputs one request may name
 * @param maxNameLength the most characters an input name may have
 * @param maxManifestBytes the largest manifest or alias record read from the store or written by a
 *     deploy (a deploy whose manifest would be larger, say from a large warm-up sample, is refused)
 * @param maxJsonDepth the deepest nesting of objects and arrays in a manifest or alias record (at
 *     most 1000)
 */
public record InputLimits(
    long maxTensorElements,
    long maxTensorBytes,
    long maxRequestElements,
    long maxRequestBytes,
    int maxInputs,
    int maxNameLength,
    int maxManifestBytes,
    int maxJsonDepth) {

  /** The deepest nesting {@link #maxJsonDepth()} may allow (the JSON parser's own bound). */
  public static final int MAX_JSON_DEPTH = 1000;

  private static final InputLimits DEFAULTS = new InputLimits(
      1L << 28,   // 268 M elements per tensor
      1L << 30,   // 1 GiB per tensor
      1L << 29,   // 537 M elements per request
      1L << 31,   // 2 GiB per request
      256,        // inputs per request
      256,        // characters per input name
      16 << 20,   // 16 MiB per manifest or alias record
      64);        // nesting of manifests and alias records (they need about 6)

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if a limit is not positive, or the JSON depth is over {@link #MAX_JSON_DEPTH}
   */
  public InputLimits {
    positive("maxTensorElements", maxTensorElements);
    positive("maxTensorBytes", maxTensorBytes);
    positive("maxRequestElements", maxRequestElements);
    positive("maxRequestBytes", maxRequestBytes);
    positive("maxInputs", maxInputs);
    positive("maxNameLength", maxNameLength);
    positive("maxManifestBytes", maxManifestBytes);
    positive("maxJsonDepth", maxJsonDepth);
    if (maxJsonDepth > MAX_JSON_DEPTH) {
      throw new IllegalArgumentException("maxJsonDepth must be at most " + MAX_JSON_DEPTH + ", got " + maxJsonDepth);
    }
  }

  /**
   * Generous bounds that stop abuse, not use: 2^28 elements and 1 GiB per tensor, 2^29 elements
   * and 2 GiB per request, 256 inputs of at most 256 characters, manifests and alias records up to
   * 16 MiB and 64 levels deep.
   */
  public static InputLimits defaults() {
    return DEFAULTS;
  }

  /** These limits with another {@link #maxTensorElements()}. */
  public InputLimits withMaxTensorElements(long n) {
    return new InputLimits(n, maxTensorBytes, maxRequestElements, maxRequestBytes, maxInputs, maxNameLength,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxTensorBytes()}. */
  public InputLimits withMaxTensorBytes(long n) {
    return new InputLimits(maxTensorElements, n, maxRequestElements, maxRequestBytes, maxInputs, maxNameLength,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxRequestElements()}. */
  public InputLimits withMaxRequestElements(long n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, n, maxRequestBytes, maxInputs, maxNameLength,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxRequestBytes()}. */
  public InputLimits withMaxRequestBytes(long n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, maxRequestElements, n, maxInputs, maxNameLength,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxInputs()}. */
  public InputLimits withMaxInputs(int n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, maxRequestElements, maxRequestBytes, n, maxNameLength,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxNameLength()}. */
  public InputLimits withMaxNameLength(int n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, maxRequestElements, maxRequestBytes, maxInputs, n,
        maxManifestBytes, maxJsonDepth);
  }

  /** These limits with another {@link #maxManifestBytes()}. */
  public InputLimits withMaxManifestBytes(int n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, maxRequestElements, maxRequestBytes, maxInputs,
        maxNameLength, n, maxJsonDepth);
  }

  /** These limits with another {@link #maxJsonDepth()}. */
  public InputLimits withMaxJsonDepth(int n) {
    return new InputLimits(maxTensorElements, maxTensorBytes, maxRequestElements, maxRequestBytes, maxInputs,
        maxNameLength, maxManifestBytes, n);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
