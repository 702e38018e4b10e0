package dev.maas.storage.s3;

/**
 * How an {@link S3ModelStore} makes its racing writes safe: creating a version's manifest only if
 * absent ({@code If-None-Match: *}) and moving an alias only if it still has the ETag read before
 * ({@code If-Match}). Amazon S3 has honoured both since 2024; some S3-compatible servers ignore
 * them, and a header a server ignores is a race that silently loses a write.
 */
public enum ConditionalWrites {
  /**
   * Probe the server when the store is built (a few requests on a key under {@code
   * <prefix>/.maas/}): use conditional writes if it honours them, else log a warning and use
   * {@link #EMULATED}. The default.
   */
  DETECT,

  /**
   * Probe the server when the store is built and refuse to build if it does not honour
   * conditional writes. For fleets with several deployers.
   */
  REQUIRED,

  /**
   * Do not send conditional headers: check, then write. Writes through one store instance are
   * serialized per key inside this process, so its threads never overwrite each other; writers in
   * <em>other processes</em> can, when two write the same manifest or alias within the same
   * moment (the later write wins, and both are told they succeeded). Safe with one deployer at a
   * time; readers are never affected.
   */
  EMULATED
}
