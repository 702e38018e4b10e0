/**
 * The model store on Amazon S3 and S3-compatible servers: {@link dev.maas.storage.s3.S3ModelStore}
 * with its builder, the server-side encryption options ({@link dev.maas.storage.s3.S3Encryption}),
 * the conditional-write modes ({@link dev.maas.storage.s3.ConditionalWrites}) and the transfer
 * progress hook ({@link dev.maas.storage.s3.TransferListener}). Everything under {@code internal}
 * is implementation and may change without notice.
 */
package dev.maas.storage.s3;
