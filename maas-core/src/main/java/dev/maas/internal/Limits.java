package dev.maas.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.maas.LimitExceededException;
import dev.maas.Tensor;
import dev.maas.security.InputLimits;
import java.io.IOException;
import java.util.Map;

/** Checks requests and stored documents against {@link InputLimits}, before anything else looks at them. */
final class Limits {
  private Limits() {}

  /**
   * Checks the inputs of one request: how many, their names, and elements and bytes per tensor and
   * in total. Counts elements before bytes, so that the UTF-8 size of a huge string tensor is never
   * computed.
   *
   * @throws LimitExceededException naming the first limit exceeded
   */
  static void checkRequest(Map<String, Tensor> inputs, InputLimits l) {
    if (inputs.size() > l.maxInputs()) {
      throw new LimitExceededException("maxInputs", l.maxInputs(), inputs.size(), "the number of inputs of the request");
    }
    long elements = 0;
    long bytes = 0;
    for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
      String name = e.getKey();
      if (name.length() > l.maxNameLength()) {
        throw new LimitExceededException("maxNameLength", l.maxNameLength(), name.length(),
            "the length of the name of input '" + name.substring(0, Math.min(32, name.length())) + "...'");
      }
      Tensor t = e.getValue();
      long n = t.elementCount();
      if (n > l.maxTensorElements()) {
        throw new LimitExceededException("maxTensorElements", l.maxTensorElements(), n, "the element count of input '" + name + "'");
      }
      elements += n; // no overflow: a tensor's elements are backed by an array or buffer, under 2^31 of them
      if (elements > l.maxRequestElements()) {
        throw new LimitExceededException("maxRequestElements", l.maxRequestElements(), elements,
            "the element count of the request");
      }
      long b = t.byteSize();
      if (b > l.maxTensorBytes()) {
        throw new LimitExceededException("maxTensorBytes", l.maxTensorBytes(), b, "the size in bytes of input '" + name + "'");
      }
      bytes += b;
      if (bytes > l.maxRequestBytes()) {
        throw new LimitExceededException("maxRequestBytes", l.maxRequestBytes(), bytes, "the size in bytes of the request");
      }
    }
  }

  /**
   * Checks a manifest or alias record read from (or about to be written to) the store: its size,
   * then the nesting depth of its objects and arrays, with a streaming pass that stops at the first
   * level too deep. Malformed JSON is left to the real parse, which reports it.
   *
   * @param what the document, for the message, e.g. {@code "manifest of mlp:3"}
   * @throws LimitExceededException naming {@code maxManifestBytes} or {@code maxJsonDepth}
   */
  static void checkDocument(byte[] json, String what, InputLimits l) {
    if (json.length > l.maxManifestBytes()) {
      throw new LimitExceededException("maxManifestBytes", l.maxManifestBytes(), json.length, "the size in bytes of the " + what);
    }
    int depth = 0;
    try (JsonParser p = Json.mapper().getFactory().createParser(json)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          if (++depth > l.maxJsonDepth()) {
            throw new LimitExceededException("maxJsonDepth", l.maxJsonDepth(), depth, "the nesting depth of the " + what);
          }
        } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof LimitExceededException) {
        throw (LimitExceededException) e;
      }
      // malformed: the parse that follows says how
    }
  }
}
