package dev.maas.onnx.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ONNX Runtime's telemetry off. ORT 1.29 on Linux starts sending telemetry about a second
 * after the first session unless {@code ORT_DISABLE_TELEMETRY} is in the process environment when
 * its native library loads; {@code OrtEnvironment.setTelemetry(false)} alone does not stop it. The
 * JVM cannot change its environment, so this sets the variable through libc with JNA before the
 * first ORT class touches native code.
 *
 * <p>Users opt in with the system property {@value #OPT_IN_PROPERTY}{@code =true}.
 */
public final class Telemetry {
  /** System property that lets ONNX Runtime send telemetry when {@code true}. */
  public static final String OPT_IN_PROPERTY = "maas.onnx.telemetry";

  static final String VARIABLE = "ORT_DISABLE_TELEMETRY";
  private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
  private static volatile boolean done;

  private Telemetry() {}

  /** Whether the user opted in to ONNX Runtime telemetry. */
  public static boolean optedIn() {
    return Boolean.getBoolean(OPT_IN_PROPERTY);
  }

  /**
   * Sets {@code ORT_DISABLE_TELEMETRY=1} in the process environment unless the user opted in or it
   * is set already. Call before anything loads ONNX Runtime's native library; idempotent.
   */
  public static synchronized void disableBeforeNativeLoad() {
    if (done) {
      return;
    }
    done = true;
    if (optedIn()) {
      LOG.info("ONNX Runtime telemetry allowed by -D{}=true", OPT_IN_PROPERTY);
      return;
    }
    if (System.getenv(VARIABLE) != null) {
      return;
    }
    try {
      if (Platform.isWindows()) {
        Msvcrt.INSTANCE._putenv_s(VARIABLE, "1");
      } else {
        LibC.INSTANCE.setenv(VARIABLE, "1", 1);
      }
      LOG.debug("set {}=1 in the process environment", VARIABLE);
    } catch (Throwable t) {
      LOG.warn("could not set {}=1 ({}); set it in the environment to keep ONNX Runtime telemetry off", VARIABLE, t.toString());
    }
  }

  /** The variable as the C library sees it now (not the JVM's startup copy), or null. */
  public static String nativeValue() {
    if (Platform.isWindows()) {
      return System.getenv(VARIABLE);
    }
    return LibC.INSTANCE.getenv(VARIABLE);
  }

  interface LibC extends Library {
    LibC INSTANCE = Native.load(Platform.C_LIBRARY_NAME, LibC.class);

    int setenv(String name, String value, int overwrite);

    String getenv(String name);
  }

  interface Msvcrt extends Library {
    Msvcrt INSTANCE = Native.load("msvcrt", Msvcrt.class);

    int _putenv_s(String name, String value);
  }
}
