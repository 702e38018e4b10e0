package dev.maas.examples.cli;

import dev.maas.ModelService;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.security.Principal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes, before or after the command name. Store, cache, trust and
 * authorization settings; the ones for S3 and security are read by their modules when present.
 */
final class GlobalOptions {
  @Option(names = "--store", defaultValue = "file:maas-store", paramLabel = "file:DIR|s3://BUCKET/PREFIX",
      scope = ScopeType.INHERIT, description = "The model store (default: ${DEFAULT-VALUE}).")
  String store;

  @Option(names = "--endpoint", paramLabel = "URL", scope = ScopeType.INHERIT,
      description = "S3 endpoint (S3-compatible servers).")
  String endpoint;

  @Option(names = "--region", scope = ScopeType.INHERIT, description = "S3 region.")
  String region;

  @Option(names = "--path-style", scope = ScopeType.INHERIT, description = "S3 path-style addressing.")
  boolean pathStyle;

  @Option(names = "--cache", paramLabel = "DIR", scope = ScopeType.INHERIT, description = "Local artifact cache.")
  Path cache;

  @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = "20g", scope = ScopeType.INHERIT,
      description = "Bytes the cache may hold, e.g. 500m or 20g (default: ${DEFAULT-VALUE}).")
  String cacheSize;

  @Option(names = "--trust-key", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Trusted Ed25519 public key (X.509 PEM); repeatable. Unsigned or untrusted versions are refused.")
  List<Path> trustKeys = new ArrayList<>();

  @Option(names = "--keystore", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "PKCS#12 keystore holding AES secret keys (for encrypted models).")
  Path keystore;

  @Option(names = "--keystore-password-env", paramLabel = "VAR", scope = ScopeType.INHERIT,
      description = "Environment variable holding the keystore password.")
  String keystorePasswordEnv;

  @Option(names = "--principal", paramLabel = "NAME", scope = ScopeType.INHERIT, description = "Who is calling.")
  String principal;

  @Option(names = "--policy", paramLabel = "FILE", scope = ScopeType.INHERIT, description = "Authorization policy (JSON).")
  Path policy;

  @Option(names = "--refresh", paramLabel = "DURATION", scope = ScopeType.INHERIT,
      description = "Store polling interval for long-running commands, e.g. PT5S or 5s (default 10s).")
  String refresh;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  /** The service these options describe; the caller closes it. */
  ModelService open() {
    return builder().build();
  }

  /** A builder with these options applied, for commands that add their own. */
  ModelService.Builder builder() {
    ModelService.Builder b = ModelService.builder().runtime(OnnxRuntime.create());
    b.store(Stores.open(this));
    if (principal != null) {
      b.defaultPrincipal(Principal.of(principal));
    }
    if (refresh != null) {
      b.refreshInterval(duration(refresh));
    }
    Security.apply(this, b);
    return b;
  }

  /** Bytes from a size such as {@code 1048576}, {@code 512k}, {@code 500m} or {@code 20g} (powers of 1024). */
  static long bytes(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    try {
      long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
      if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size: '" + s + "' (use a positive number of bytes, or 512k, 500m, 20g)");
    }
  }

  static Duration duration(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(s.trim().toUpperCase(java.util.Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      }
      if (t.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
      }
      return Duration.ofSeconds(Long.parseLong(t));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a duration: '" + s + "' (use 30s, 500ms, 2m or PT30S)");
    }
  }
}
