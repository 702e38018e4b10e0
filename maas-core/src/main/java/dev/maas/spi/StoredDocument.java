package dev.maas.spi;

import java.util.Objects;

/**
 * A small document read from a {@link ModelStore} with its entity tag, the token that a
 * compare-and-set write must present.
 *
 * @param content the document's bytes (the caller must not modify them)
 * @param etag an opaque token that changes whenever the content is replaced
 */
public record StoredDocument(byte[] content, String etag) {
  /** Validates that both parts are present. */
  public StoredDocument {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(etag, "etag");
  }
}
