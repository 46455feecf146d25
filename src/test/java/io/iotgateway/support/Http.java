package io.iotgateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Plain HTTP calls to a gateway, with or without the management user's basic credentials. */
public final class Http {

    /** Status and body of an API answer, the body parsed as JSON (null when empty or not JSON). */
    public record Json(int status, String contentType, JsonNode body, String text) {

        public static Json of(HttpResponse<String> response) {
            JsonNode body;
            try {
                body = response.body().isEmpty() ? null : JSON.readTree(response.body());
            } catch (IOException e) {
                body = null;
            }
            return new Json(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    body,
                    response.body());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The management user of the test profile (application-test.yaml). */
    public static final String ADMIN_USER = "admin";

    public static final String ADMIN_PASSWORD = "test-admin-secret";

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    public Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    public HttpResponse<String> getAsAdmin(String path) {
        return send(asAdmin(request(path)).GET().build());
    }

    public HttpResponse<String> post(String path, String body, boolean admin, String... headers) {
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send((admin ? asAdmin(request) : request).build());
    }

    /** A POST with raw bytes as the body (e.g. deliberately broken JSON), as the given content type. */
    public HttpResponse<String> post(String path, byte[] body, String contentType, boolean admin) {
        HttpRequest.Builder request =
                request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return send((admin ? asAdmin(request) : request).build());
    }

    public Json getJson(String path) {
        return Json.of(get(path));
    }

    public Json postJson(String path, String body) {
        return Json.of(post(path, body, false));
    }

    public String url(String path) {
        return base + path;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    }

    private static HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
        String token = Base64.getEncoder()
                .encodeToString((ADMIN_USER + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return request.header("Authorization", "Basic " + token);
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
