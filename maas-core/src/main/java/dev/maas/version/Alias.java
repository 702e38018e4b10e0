package dev.maas.version;

import java.util.List;
import java.util.Objects;

/**
 * A named, movable pointer to a version of a model ({@code prod}, {@code canary}) with its history,
 * oldest first; the last entry is the current one.
 *
 * @param model the model name
 * @param name the alias name
 * @param version the version it points at now
 * @param history every move, oldest first (copied, unmodifiable)
 */
public record Alias(String model, String name, long version, List<AliasChange> history) {
  /** Validates and copies. */
  public Alias {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(name, "name");
    history = List.copyOf(history);
  }

  /** The version this alias pointed at before its last move, or 0 if it never moved. */
  public long previousVersion() {
    return history.size() >= 2 ? history.get(history.size() - 2).version() : 0;
  }

  /**
   * Where a rollback goes: the version before the last move that has not been rolled back already,
   * so repeated rollbacks walk back through the history. 0 if there is nothing to go back to.
   */
  public long rollbackTarget() {
    java.util.ArrayDeque<Long> stack = new java.util.ArrayDeque<>();
    for (AliasChange c : history) {
      if (c.rollback() && stack.size() > 1) {
        stack.pop();
      } else if (!c.rollback()) {
        stack.push(c.version());
      }
    }
    if (stack.size() < 2) {
      return 0;
    }
    stack.pop();
    return stack.peek();
  }
}
