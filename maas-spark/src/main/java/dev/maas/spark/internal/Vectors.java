package dev.maas.spark.internal;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Spark ML vectors ({@code org.apache.spark.ml.linalg.Vector}, from spark-mllib-local), touched
 * only when a job maps a vector column, so that jobs without one need no MLlib on the classpath.
 */
final class Vectors {
  static final String VECTOR_CLASS = "org.apache.spark.ml.linalg.Vector";
  private static final Class<?> VECTOR = load();

  private Vectors() {}

  private static Class<?> load() {
    try {
      return Class.forName(VECTOR_CLASS, false, Vectors.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  /** Whether {@code type} is Spark ML's vector type ({@code VectorUDT}). */
  static boolean isVectorType(DataType type) {
    return type instanceof UserDefinedType<?> udt && udt.userClass() != null
        && VECTOR_CLASS.equals(udt.userClass().getName());
  }

  /** Whether {@code value} is a Spark ML vector. */
  static boolean isVector(Object value) {
    return VECTOR != null && VECTOR.isInstance(value);
  }

  /** A vector's values, dense (a sparse vector is expanded). */
  static double[] toArray(Object vector) {
    return ((org.apache.spark.ml.linalg.Vector) vector).toArray();
  }
}
