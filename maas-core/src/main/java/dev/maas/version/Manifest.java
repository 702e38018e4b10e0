package dev.maas.version;

import dev.maas.ModelSignature;
import dev.maas.batch.BatchingPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The immutable record of one published version: what files it consists of (with digests), what
 * the model takes and returns, who published it and when, and free-form labels. Written once, at
 * publish, with a create-if-absent write.
 *
 * @param schemaVersion the manifest format version ({@link #SCHEMA_VERSION} when written by this release)
 * @param model the model name
 * @param version the version number
 * @param createdAt when the version was published
 * @param createdBy the principal that published it
 * @param runtime the runtime that reads it (e.g. {@code "onnx"})
 * @param blobs the version's files
 * @param signature the model's inputs and outputs as read by the runtime at publish
 * @param labels user labels (copied, unmodifiable)
 * @param batching the deployer's batching defaults for this version, or null (the service's
 *     builder settings take precedence)
 * @param warmup sample inputs run before the version takes traffic, or empty (then inputs are
 *     generated from the signature)
 * @param manifestSignature the deployer's signature over all the other fields, or null when the
 *     deploying service signs nothing (see {@link ManifestSignature})
 */
public record Manifest(
    int schemaVersion,
    String model,
    long version,
    Instant createdAt,
    String createdBy,
    String runtime,
    List<BlobRef> blobs,
    ModelSignature signature,
    Map<String, String> labels,
    BatchingPolicy batching,
    Map<String, TensorData> warmup,
    ManifestSignature manifestSignature) {

  /** The manifest format this release writes and the newest it reads. */
  public static final int SCHEMA_VERSION = 1;

  /** Validates and copies. */
  public Manifest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(signature, "signature");
    createdBy = createdBy == null ? "anonymous" : createdBy;
    blobs = List.copyOf(blobs);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    warmup = warmup == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(warmup));
  }

  /** An unsigned manifest. */
  public Manifest(int schemaVersion, String model, long version, Instant createdAt, String createdBy, String runtime,
      List<BlobRef> blobs, ModelSignature signature, Map<String, String> labels, BatchingPolicy batching,
      Map<String, TensorData> warmup) {
    this(schemaVersion, model, version, createdAt, createdBy, runtime, blobs, signature, labels, batching, warmup, null);
  }

  /** A manifest without warm-up samples. */
  public Manifest(int schemaVersion, String model, long version, Instant createdAt, String createdBy, String runtime,
      List<BlobRef> blobs, ModelSignature signature, Map<String, String> labels, BatchingPolicy batching) {
    this(schemaVersion, model, version, createdAt, createdBy, runtime, blobs, signature, labels, batching, null);
  }

  /** A manifest without batching defaults. */
  public Manifest(int schemaVersion, String model, long version, Instant createdAt, String createdBy, String runtime,
      List<BlobRef> blobs, ModelSignature signature, Map<String, String> labels) {
    this(schemaVersion, model, version, createdAt, createdBy, runtime, blobs, signature, labels, null, null);
  }

  /** This manifest with {@code signature} as its {@link #manifestSignature()} (null: unsigned). */
  public Manifest withManifestSignature(ManifestSignature signature) {
    return new Manifest(schemaVersion, model, version, createdAt, createdBy, runtime, blobs, this.signature, labels,
        batching, warmup, signature);
  }

  /** The version these coordinates name. */
  public ModelVersion modelVersion() {
    return new ModelVersion(model, version);
  }

  /** The blob with role {@link BlobRef#MODEL}, if present. */
  public Optional<BlobRef> modelBlob() {
    return blobs.stream().filter(b -> BlobRef.MODEL.equals(b.role())).findFirst();
  }

  /** The total size of the version's files in bytes. */
  public long totalBytes() {
    return blobs.stream().mapToLong(BlobRef::size).sum();
  }
}
