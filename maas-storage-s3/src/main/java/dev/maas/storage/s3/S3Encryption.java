package dev.maas.storage.s3;

import dev.maas.InvalidInputException;
import java.util.Objects;
import java.util.Optional;

/**
 * The server-side encryption an {@link S3ModelStore} asks for on every object it writes (blobs,
 * manifests, aliases). S3 encrypts at rest and decrypts on read for callers allowed to; nothing
 * changes for readers. On top of it, maas can encrypt blobs itself (client side) so that plaintext
 * never reaches S3.
 *
 * <p>An immutable value; use the factories.
 */
public final class S3Encryption {
  private static final S3Encryption NONE = new S3Encryption(Kind.NONE, null);
  private static final S3Encryption S3_MANAGED = new S3Encryption(Kind.S3_MANAGED, null);
  private static final S3Encryption KMS_DEFAULT = new S3Encryption(Kind.KMS, null);

  /** The kinds of server-side encryption. */
  public enum Kind {
    /** No header is sent: the bucket's default encryption applies. */
    NONE,
    /** SSE-S3: keys managed by S3 ({@code x-amz-server-side-encryption: AES256}). */
    S3_MANAGED,
    /** SSE-KMS: keys in AWS KMS ({@code x-amz-server-side-encryption: aws:kms}, optionally a key id). */
    KMS
  }

  private final Kind kind;
  private final String kmsKeyId;

  private S3Encryption(Kind kind, String kmsKeyId) {
    this.kind = kind;
    this.kmsKeyId = kmsKeyId;
  }

  /** Sends no encryption header; the bucket's default encryption (if any) applies. The default. */
  public static S3Encryption none() {
    return NONE;
  }

  /** SSE-S3: S3 encrypts each object with keys it manages. */
  public static S3Encryption s3Managed() {
    return S3_MANAGED;
  }

  /** SSE-KMS with the account's default KMS key for S3 ({@code aws/s3}). */
  public static S3Encryption kms() {
    return KMS_DEFAULT;
  }

  /**
   * SSE-KMS with a given key.
   *
   * @param keyId the KMS key id, key ARN, alias name ({@code alias/...}) or alias ARN
   * @throws InvalidInputException if the key id is null or blank
   */
  public static S3Encryption kms(String keyId) {
    if (keyId == null || keyId.isBlank()) {
      throw new InvalidInputException("the KMS key id must not be null or blank; use S3Encryption.kms() for the default key");
    }
    return new S3Encryption(Kind.KMS, keyId.strip());
  }

  /** Which encryption is asked for. */
  public Kind kind() {
    return kind;
  }

  /** The KMS key id, when {@link #kind()} is {@link Kind#KMS} and a key was named. */
  public Optional<String> kmsKeyId() {
    return Optional.ofNullable(kmsKeyId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof S3Encryption other && kind == other.kind && Objects.equals(kmsKeyId, other.kmsKeyId);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + (kmsKeyId == null ? 0 : kmsKeyId.hashCode());
  }

  /** The kind and, for KMS, the key id (a key id is an identifier, not a secret). */
  @Override
  public String toString() {
    return kmsKeyId == null ? kind.toString() : kind + "(" + kmsKeyId + ")";
  }
}
