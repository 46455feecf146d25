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

/**
 * Plain HTTP calls to a gateway. {@code new Http(port)} authenticates as the test profile's operator (may read and send
 * commands); {@link #getAsAdmin} and {@code post(..., true)} as the administrator; {@link #anonymous} and {@link #as}
 * for the security tests.
 */
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

    /** The other accounts and API tokens of the test profile (application-test.yaml gateway.security). */
    public static final String OPERATOR_USER = "operator";

    public static final String OPERATOR_PASSWORD = "test-operator-secret";
    public static final String VIEWER_USER = "viewer";
    public static final String VIEWER_PASSWORD = "test-viewer-secret";
    public static final String OPERATOR_TOKEN = "test-operator-token-0123456789";
    public static final String VIEWER_TOKEN = "test-viewer-token-0123456789";

    /** Authorization header values for the accounts above. */
    public static final String ADMIN = basic(ADMIN_USER, ADMIN_PASSWORD);

    public static final String OPERATOR = basic(OPERATOR_USER, OPERATOR_PASSWORD);
    public static final String VIEWER = basic(VIEWER_USER, VIEWER_PASSWORD);

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String authorization;

    /** Calls as the test profile's operator. */
    public Http(int port) {
        this("http://127.0.0.1:" + port, OPERATOR);
    }

    private Http(String base, String authorization) {
        this.base = base;
        this.authorization = authorization;
    }

    /** Calls without credentials. */
    public static Http anonymous(int port) {
        return new Http(port).as(null);
    }

    /** The same gateway, called with this Authorization header value (null: none). */
    public Http as(String authorization) {
        return new Http(base, authorization);
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = request(path).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** A request with any method, e.g. a CORS preflight ({@code OPTIONS}). */
    public HttpResponse<String> send(String method, String path, String... headers) {
        HttpRequest.Builder request = request(path).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** A PATCH with a JSON body, e.g. a JSON merge patch. */
    public HttpResponse<String> patch(String path, String body, String... headers) {
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
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
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private static HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
        return request.setHeader("Authorization", ADMIN);
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
