package dev.maas.storage.s3.internal;

import dev.maas.ErrorCode;
import dev.maas.MaasException;
import dev.maas.StoreException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns AWS SDK exceptions into maas exceptions at the module edge: messages name the bucket and
 * key, say whether a retry can help, and never hold a credential (the SDK's messages carry the
 * status, error code and request id, never the secret; ours add only the bucket, key and endpoint).
 */
public final class S3Errors {
  /** Error codes that mean the credentials themselves were refused: no retry can help. */
  private static final Set<String> CREDENTIAL_CODES = Set.of(
      "SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
      "InvalidSecurity", "AuthorizationHeaderMalformed", "RequestTimeTooSkewed");

  private S3Errors() {}

  /** The HTTP status of an S3 error response, or 0 when no response came back. */
  public static int status(Throwable e) {
    return e instanceof S3Exception s ? s.statusCode() : 0;
  }

  /** The S3 error code (such as {@code NoSuchKey}), or empty when there is none (HEAD responses have no body). */
  public static String code(Throwable e) {
    if (e instanceof S3Exception s) {
      AwsErrorDetails details = s.awsErrorDetails();
      if (details != null && details.errorCode() != null) {
        return details.errorCode();
      }
    }
    return "";
  }

  /** Whether the object (or its bucket) does not exist. */
  public static boolean isNotFound(Throwable e) {
    return status(e) == 404;
  }

  /** Whether a conditional request's precondition failed (the object exists, or has another ETag). */
  public static boolean isPreconditionFailed(Throwable e) {
    return status(e) == 412 || code(e).equals("PreconditionFailed");
  }

  /**
   * Whether a conditional write collided with another write in progress on the same key (S3 answers
   * 409 {@code ConditionalRequestConflict}); trying again is the documented response.
   */
  public static boolean isConditionalConflict(Throwable e) {
    return status(e) == 409 && !code(e).equals("BucketAlreadyExists") && !code(e).equals("BucketAlreadyOwnedByYou");
  }

  /** Whether the server rejected the request as not implemented (no support for a conditional header). */
  public static boolean isNotImplemented(Throwable e) {
    return status(e) == 501 || code(e).equals("NotImplemented");
  }

  /**
   * The maas exception for a failed S3 call.
   *
   * @param action what was being done, e.g. "read manifest"
   * @param where {@code s3://bucket/key} and, when set, the endpoint
   * @param bucket the bucket, named again in credential and permission errors
   * @param e what the SDK threw
   */
  public static MaasException translate(String action, String where, String bucket, Throwable e) {
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int status = status(e);
    String code = code(e);
    if (status == 403 || CREDENTIAL_CODES.contains(code)) {
      String why = CREDENTIAL_CODES.contains(code)
          ? "the credentials were rejected by the server (" + code + "); check the access key id and secret key"
              + " configured for bucket '" + bucket + "'"
          : "access to bucket '" + bucket + "' was denied (" + (code.isEmpty() ? "HTTP 403" : code)
              + "); check the credentials and the bucket policy";
      return new MaasException(ErrorCode.STORE_UNAVAILABLE, "cannot " + action + " " + where + ": " + why
          + " [" + detail + "]", false, e);
    }
    if (code.equals("NoSuchBucket")) {
      return new MaasException(ErrorCode.STORE_UNAVAILABLE, "cannot " + action + " " + where + ": bucket '" + bucket
          + "' does not exist [" + detail + "]", false, e);
    }
    if (isRetryable(e)) {
      return new StoreException("cannot " + action + " " + where + " (bucket '" + bucket + "'): " + detail, e);
    }
    return new MaasException(ErrorCode.STORE_UNAVAILABLE, "cannot " + action + " " + where + " (bucket '" + bucket
        + "'): " + detail, false, e);
  }

  /** Whether repeating the request may succeed: no response, a timeout, throttling or a server error. */
  public static boolean isRetryable(Throwable e) {
    if (e instanceof S3Exception s) {
      int status = s.statusCode();
      return status >= 500 || status == 429 || status == 408 || s.isThrottlingException() || s.retryable();
    }
    if (e instanceof SdkClientException) {
      return true;
    }
    return e instanceof SdkException s && s.retryable();
  }
}
