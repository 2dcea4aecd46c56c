package pipeline.flinksql;

/** Where secret strings come from: AWS Secrets Manager ({@link SecretsManagerSource}), or a stub in tests. */
interface SecretSource extends AutoCloseable {
  /**
   * The secret string of a secret (its current version).
   *
   * @throws Secrets.SecretException when it cannot be read; the message names the secret, never a value
   */
  String secretString(String secretId);

  @Override
  default void close() {}
}
