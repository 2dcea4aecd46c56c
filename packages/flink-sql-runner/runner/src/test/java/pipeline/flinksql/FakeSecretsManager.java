package pipeline.flinksql;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A protocol-level stub of AWS Secrets Manager for tests: an in-JVM HTTP server (com.sun.net.httpserver) on 127.0.0.1
 * that answers {@code GetSecretValue} in the AWS JSON 1.1 protocol ({@code POST /}, {@code X-Amz-Target:
 * secretsmanager.GetSecretValue}, {@code {"SecretId": ...}}) from an in-memory map, and {@code
 * ResourceNotFoundException} for anything else. It checks nothing about the signature beyond recording the
 * {@code Authorization} header; no real Secrets Manager can run locally.
 */
final class FakeSecretsManager implements AutoCloseable {
  static final String TARGET = "secretsmanager.GetSecretValue";
  static final String CONTENT_TYPE = "application/x-amz-json-1.1";

  /** One request as received. */
  static final class Request {
    final String target;
    final String contentType;
    final String authorization;
    final String secretId;

    Request(String target, String contentType, String authorization, String secretId) {
      this.target = target;
      this.contentType = contentType;
      this.authorization = authorization;
      this.secretId = secretId;
    }
  }

  /** Secret id (name or ARN, exactly as requested) -> SecretString. */
  final Map<String, String> secrets = new ConcurrentHashMap<>();

  final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final HttpServer server;

  FakeSecretsManager() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      if (!"POST".equals(exchange.getRequestMethod()) || !TARGET.equals(target)) {
        requests.add(new Request(target, contentType, authorization, null));
        respond(exchange, 400, error("UnknownOperationException", "not a GetSecretValue request"));
        return;
      }
      Object secretId = ((Map<?, ?>) Json.parse(body)).get("SecretId");
      requests.add(new Request(target, contentType, authorization, (String) secretId));
      String secret = secretId == null ? null : secrets.get(secretId);
      if (secret == null) {
        respond(exchange, 400, error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
        return;
      }
      String id = (String) secretId;
      String name = id.startsWith("arn:") ? id.substring(id.lastIndexOf(':') + 1) : id;
      String arn = id.startsWith("arn:") ? id : "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf";
      respond(exchange, 200, "{\"ARN\":" + quote(arn) + ",\"Name\":" + quote(name) + ",\"SecretString\":"
          + quote(secret) + ",\"VersionId\":\"00000000-0000-0000-0000-000000000001\",\"VersionStages\":[\"AWSCURRENT\"],"
          + "\"CreatedDate\":1.7E9}");
    } catch (RuntimeException e) {
      respond(exchange, 500, error("InternalServiceError", String.valueOf(e)));
    }
  }

  private static String error(String type, String message) {
    return "{\"__type\":" + quote(type) + ",\"Message\":" + quote(message) + "}";
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    exchange.getResponseHeaders().set("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
