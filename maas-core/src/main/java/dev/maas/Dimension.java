package dev.maas;

/**
 * One dimension of a {@link TensorSpec}: either fixed ({@code size >= 0}) or dynamic ({@code size
 * == -1}), optionally with the symbolic name the model gives it (e.g. {@code "batch"}).
 *
 * @param size the fixed size, or -1 when dynamic
 * @param symbol the symbolic name of a dynamic dimension, or null
 */
public record Dimension(long size, String symbol) {
  /** Validates that a fixed dimension carries no symbol and a size is not below -1. */
  public Dimension {
    if (size < -1) {
      throw new IllegalArgumentException("dimension size must be >= -1, got " + size);
    }
    if (size >= 0) {
      symbol = null;
    }
  }

  /** A fixed dimension. */
  public static Dimension fixed(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("fixed dimension must be >= 0, got " + size);
    }
    return new Dimension(size, null);
  }

  /** A dynamic dimension with a symbolic name (null for none). */
  public static Dimension dynamic(String symbol) {
    return new Dimension(-1, symbol);
  }

  /** Whether the size is fixed. */
  public boolean isFixed() {
    return size >= 0;
  }

  /** {@code 4}, {@code batch} or {@code ?}. */
  @Override
  public String toString() {
    return size >= 0 ? Long.toString(size) : symbol != null ? symbol : "?";
  }
}
