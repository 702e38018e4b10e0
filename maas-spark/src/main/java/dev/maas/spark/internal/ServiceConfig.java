package dev.maas.spark.internal;

import dev.maas.spark.RuntimeFactory;
import dev.maas.spark.StoreSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What an executor needs to make its {@code ModelService} for one model: the store, the runtime
 * factory and the model name (the service's batching policy is set for that model). Executors
 * share one service per distinct configuration, found by {@link #key()}: a digest of the
 * configuration's serialized form, computed on the driver, because a deserialized lambda is a new
 * object on every task and has no useful {@code equals}.
 */
public final class ServiceConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StoreSpec store;
  private final RuntimeFactory runtime;
  private final String model;
  private final String key;

  /**
   * Makes a configuration and its key.
   *
   * @throws IllegalArgumentException if the runtime factory cannot be serialized
   */
  public ServiceConfig(StoreSpec store, RuntimeFactory runtime, String model) {
    this.store = Objects.requireNonNull(store, "store");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.model = Objects.requireNonNull(model, "model");
    this.key = digest(store, runtime, model);
  }

  private static String digest(StoreSpec store, RuntimeFactory runtime, String model) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(store);
      out.writeObject(runtime);
      out.writeUTF(model);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("the runtime factory " + runtime + " cannot be sent to executors: it holds a "
          + e.getMessage() + ", which is not serializable", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize the service configuration: " + e, e);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The store to open. */
  public StoreSpec store() {
    return store;
  }

  /** The factory of the service's runtime. */
  public RuntimeFactory runtime() {
    return runtime;
  }

  /** The model whose batching policy the service sets. */
  public String model() {
    return model;
  }

  /** Equal for equal configurations, in every JVM. */
  public String key() {
    return key;
  }

  @Override
  public String toString() {
    return "model '" + model + "' in " + store + " on " + runtime;
  }
}
