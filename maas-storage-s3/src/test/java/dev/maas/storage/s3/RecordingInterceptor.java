package dev.maas.storage.s3;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * An SDK interceptor for tests: records every HTTP request the client sends (method, path, query
 * and headers) and can strip the conditional headers before signing, to play a server or proxy
 * that drops them.
 */
final class RecordingInterceptor implements ExecutionInterceptor {
  /** One request as sent. */
  record Sent(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers) {
    boolean hasHeader(String name, String value) {
      return headers.entrySet().stream()
          .anyMatch(h -> h.getKey().equalsIgnoreCase(name) && h.getValue().contains(value));
    }

    boolean hasHeader(String name) {
      return headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase(name));
    }
  }

  private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
  private final boolean dropConditionalHeaders;

  RecordingInterceptor(boolean dropConditionalHeaders) {
    this.dropConditionalHeaders = dropConditionalHeaders;
  }

  @Override
  public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
    SdkHttpRequest request = context.httpRequest();
    if (!dropConditionalHeaders) {
      return request;
    }
    return request.toBuilder().removeHeader("If-None-Match").removeHeader("If-Match").build();
  }

  @Override
  public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
    SdkHttpRequest request = context.httpRequest();
    sent.add(new Sent(request.method().name(), request.encodedPath(), request.rawQueryParameters(), request.headers()));
  }

  List<Sent> sent() {
    return List.copyOf(sent);
  }

  void clear() {
    sent.clear();
  }
}
