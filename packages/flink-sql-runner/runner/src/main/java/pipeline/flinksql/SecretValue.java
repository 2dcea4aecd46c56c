package pipeline.flinksql;

/**
 * A resolved secret parameter. {@link #toString()} is the reference's marker ({@code <secret:id>}), so printing a
 * parameter map by mistake shows no secret; {@link SqlScript} substitutes {@link #reveal()}.
 */
final class SecretValue {
  final SecretRef ref;
  private final String value;

  SecretValue(SecretRef ref, String value) {
    this.ref = ref;
    this.value = value;
  }

  /** The secret itself: for substitution only, never for logs. */
  String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return ref.toString();
  }
}
