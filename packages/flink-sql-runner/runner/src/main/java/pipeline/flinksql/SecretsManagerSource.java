package pipeline.flinksql;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Reads secrets from AWS Secrets Manager ({@code GetSecretValue}, current version) with the AWS SDK for Java v2 (relocated
 * under {@code pipeline.flinksql.shaded} in the jar) and the default credentials chain: on Managed Flink, the
 * application's role (it needs {@code secretsmanager:GetSecretValue} on the secret, and {@code kms:Decrypt} for a
 * customer-managed key).
 *
 * <p>Region: the one in the secret's ARN; for a secret name, {@code --secrets-region} / system property
 * {@value #REGION_PROPERTY}, else the SDK's default chain ({@code aws.region}, {@code AWS_REGION}, profile,
 * instance metadata), else us-east-1 when an endpoint override is set. Endpoint: {@code --secrets-endpoint} / system
 * property {@value #ENDPOINT_PROPERTY} (for tests and private endpoints), else the SDK's own resolution (which also
 * honours {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}).
 */
final class SecretsManagerSource implements SecretSource {
  static final String ENDPOINT_PROPERTY = "aws.secretsmanager.endpoint";
  static final String REGION_PROPERTY = "aws.secretsmanager.region";

  private final URI endpoint;
  private final String region;
  private final SdkHttpClient http;
  private final DefaultCredentialsProvider credentials;
  private final Map<String, SecretsManagerClient> clients = new HashMap<>();

  /** Endpoint and region overrides may be null (then the system properties, then the defaults, apply). */
  SecretsManagerSource(String endpoint, String region) {
    String e = blankToNull(endpoint != null ? endpoint : System.getProperty(ENDPOINT_PROPERTY));
    try {
      this.endpoint = e == null ? null : new URI(e);
    } catch (URISyntaxException ex) {
      throw new IllegalArgumentException("Secrets Manager endpoint is not a URI: " + e);
    }
    this.region = blankToNull(region != null ? region : System.getProperty(REGION_PROPERTY));
    this.http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
    this.credentials = DefaultCredentialsProvider.builder().build();
  }

  @Override
  public String secretString(String secretId) {
    SecretsManagerClient client = client(regionFor(secretId));
    GetSecretValueResponse response;
    try {
      response = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretId).build());
    } catch (ResourceNotFoundException e) {
      throw new Secrets.SecretException("secret " + secretId + " not found (" + serviceMessage(e) + ")");
    } catch (AwsServiceException e) {
      throw new Secrets.SecretException("secret " + secretId + " could not be read: "
          + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode() + ": ") + serviceMessage(e));
    } catch (SdkException e) {
      throw new Secrets.SecretException("secret " + secretId + " could not be read: " + e.getMessage());
    }
    if (response.secretString() == null) {
      throw new Secrets.SecretException("secret " + secretId + " has no SecretString (binary secrets are not supported)");
    }
    return response.secretString();
  }

  private static String serviceMessage(AwsServiceException e) {
    if (e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null) {
      return e.awsErrorDetails().errorMessage();
    }
    return e.getMessage();
  }

  /** Region of a secret: from its ARN, else the configured or default one. */
  String regionFor(String secretId) {
    String fromArn = arnRegion(secretId);
    if (fromArn != null) return fromArn;
    if (region != null) return region;
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (SdkException e) {
      if (endpoint != null) return "us-east-1";
      throw new Secrets.SecretException("no AWS region for secret " + secretId + ": use the secret's ARN, or set "
          + "--secrets-region, -D" + REGION_PROPERTY + ", -Daws.region or AWS_REGION");
    }
  }

  /** The region of {@code arn:<partition>:secretsmanager:<region>:<account>:secret:<name>}, or null. */
  static String arnRegion(String secretId) {
    if (!secretId.startsWith("arn:")) return null;
    String[] parts = secretId.split(":", 7);
    if (parts.length < 7 || !parts[2].equals("secretsmanager") || parts[3].isEmpty()) return null;
    return parts[3];
  }

  private synchronized SecretsManagerClient client(String regionId) {
    return clients.computeIfAbsent(regionId, id -> {
      SecretsManagerClientBuilder builder = SecretsManagerClient.builder()
          .httpClient(http)
          .credentialsProvider(credentials)
          .region(Region.of(id))
          .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(60)));
      if (endpoint != null) builder.endpointOverride(endpoint);
      return builder.build();
    });
  }

  private static String blankToNull(String s) {
    return s == null || s.trim().isEmpty() ? null : s.trim();
  }

  @Override
  public synchronized void close() {
    for (SecretsManagerClient client : clients.values()) client.close();
    clients.clear();
    http.close();
    credentials.close();
  }
}
