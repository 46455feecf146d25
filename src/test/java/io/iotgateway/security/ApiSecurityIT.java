package io.iotgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.SseStream;
import io.iotgateway.support.WebSocketSession;
import jakarta.servlet.http.HttpServletResponse;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.web.FilterChainProxy;
import org.springframework.security.web.header.HeaderWriterFilter;

/**
 * Who may call what, over real HTTP and WebSocket against the running gateway: the test profile's administrator,
 * operator and viewer accounts (basic) and the operator's and viewer's API tokens (bearer).
 */
class ApiSecurityIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMAND = "{\"command\":\"setSpeed\",\"value\":40}";
    private static final String ALLOWED_ORIGIN = "https://dashboard.example.test";

    @LocalServerPort
    int port;

    @Autowired
    FilterChainProxy securityFilters;

    private Http anonymous;
    private Http viewer;
    private Http operator;

    @BeforeEach
    void clients() {
        anonymous = Http.anonymous(port);
        viewer = anonymous.as(Http.VIEWER);
        operator = anonymous.as(Http.OPERATOR);
    }

    @Test
    void everyProtectedGroupAnswers401WithAProblemAndTheSchemes() throws Exception {
        String device = uniqueId("sec");
        for (String path : new String[] {
            "/api/devices/" + device + "/telemetry",
            "/api/components",
            "/api/routes",
            "/api/dead-letters",
            "/events",
            "/ws",
            "/",
            "/actuator/prometheus",
            "/actuator/jolokia/version",
            "/actuator/hawtio/"
        }) {
            assertUnauthenticated(path, anonymous.get(path));
        }
        assertUnauthenticated("POST command", commandAs(anonymous, device));
        assertUnauthenticated(
                "wrong password",
                anonymous.as(Http.basic(Http.OPERATOR_USER, "guess")).get("/api/components"));
        assertUnauthenticated(
                "unknown token",
                anonymous.as(Http.bearer("not-a-configured-token-at-all")).get("/api/components"));
        assertThat(commandAs(anonymous.as(Http.bearer("not-a-configured-token-at-all")), device)
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void securityHeadersAreOnTheResponseBeforeTheRequestIsHandled() throws Exception {
        // An SSE response is written by a live-sender thread as soon as its handler returns: headers still to be
        // written by the request thread after that would race it (Tomcat's headers are not thread-safe).
        HeaderWriterFilter headerWriter = securityFilters.getFilterChains().stream()
                .flatMap(chain -> chain.getFilters().stream())
                .filter(HeaderWriterFilter.class::isInstance)
                .map(HeaderWriterFilter.class::cast)
                .findFirst()
                .orElseThrow();
        AtomicReference<String> whileHandled = new AtomicReference<>();
        MockHttpServletResponse response = new MockHttpServletResponse();
        headerWriter.doFilter(
                new MockHttpServletRequest("GET", "/events"),
                response,
                (request, handled) ->
                        whileHandled.set(((HttpServletResponse) handled).getHeader("X-Content-Type-Options")));
        assertThat(whileHandled.get()).isEqualTo("nosniff");
    }

    @Test
    void probesAndHealthStayOpen() {
        for (String path :
                new String[] {"/health", "/actuator/health", "/actuator/health/liveness", "/actuator/info"}) {
            assertThat(anonymous.get(path).statusCode()).as(path).isIn(200, 503);
        }
    }

    @Test
    void aViewerReadsButMayNotSendCommandsOrManage() throws Exception {
        String device = uniqueId("sec");
        for (Http reader : new Http[] {viewer, anonymous.as(Http.bearer(Http.VIEWER_TOKEN))}) {
            assertThat(reader.get("/api/components").statusCode()).isEqualTo(200);
            assertThat(reader.get("/api/devices/" + device + "/telemetry").statusCode())
                    .isEqualTo(200);
            assertThat(reader.get("/").statusCode()).isEqualTo(200);

            HttpResponse<String> refused = commandAs(reader, device);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            JsonNode problem = JSON.readTree(refused.body());
            assertThat(problem.path("reason").asText()).isEqualTo("forbidden");
            assertThat(problem.path("detail").asText()).contains("OPERATOR");
            assertThat(refused.body()).doesNotContain("Exception").doesNotContain("at io.");

            assertThat(reader.post("/api/dead-letters/replay", "{}", false).statusCode())
                    .isEqualTo(403);
            assertThat(reader.get("/actuator/prometheus").statusCode()).isEqualTo(403);
        }
        // no command reached the store on the refused calls
        assertThat(viewer.getJson("/api/devices/" + device + "/commands").body())
                .isEmpty();
    }

    @Test
    void anOperatorSendsCommandsWithBasicOrTokenButMayNotManage() throws Exception {
        String device = uniqueId("sec");
        for (Http sender : new Http[] {operator, anonymous.as(Http.bearer(Http.OPERATOR_TOKEN))}) {
            HttpResponse<String> accepted = commandAs(sender, device);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            assertThat(JSON.readTree(accepted.body()).path("deviceId").asText()).isEqualTo(device);
            assertThat(sender.get("/actuator/prometheus").statusCode()).isEqualTo(403);
            assertThat(sender.get("/actuator/hawtio/").statusCode()).isEqualTo(403);
        }
        assertThat(viewer.getJson("/api/devices/" + device + "/commands").body())
                .hasSize(2);
        assertThat(anonymous.as(Http.ADMIN).get("/actuator/prometheus").statusCode())
                .isEqualTo(200);
        // the administrator includes the operator
        assertThat(commandAs(anonymous.as(Http.ADMIN), device).statusCode()).isEqualTo(202);
    }

    @Test
    void corsAllowsOnlyTheConfiguredOrigins() {
        String path = "/api/devices/" + uniqueId("sec") + "/commands/fan";
        HttpResponse<String> allowed = anonymous.send(
                "OPTIONS",
                path,
                "Origin",
                ALLOWED_ORIGIN,
                "Access-Control-Request-Method",
                "POST",
                "Access-Control-Request-Headers",
                "authorization,content-type");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Methods"))
                .hasValueSatisfying(methods -> assertThat(methods).contains("POST"));
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Credentials"))
                .isEmpty();

        HttpResponse<String> rejected = anonymous.send(
                "OPTIONS",
                path,
                "Origin",
                "https://evil.example",
                "Access-Control-Request-Method",
                "POST",
                "Access-Control-Request-Headers",
                "authorization,content-type");
        assertThat(rejected.statusCode()).isEqualTo(403);
        assertThat(rejected.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        // A page of another site cannot use credentials the browser holds for the gateway: its request (with Origin)
        // is refused before it reaches the API, even with valid credentials.
        assertThat(operator.post(path, COMMAND, false, "Origin", "https://evil.example")
                        .statusCode())
                .isEqualTo(403);
        assertThat(operator.get("/api/components", "Origin", ALLOWED_ORIGIN)
                        .headers()
                        .firstValue("Access-Control-Allow-Origin"))
                .hasValue(ALLOWED_ORIGIN);
    }

    @Test
    void liveEndpointsNeedAViewerAndWebSocketCommandsAnOperator() {
        String ws = "ws://localhost:" + port + "/ws";
        assertThatThrownBy(() -> new WebSocketSession(ws, null).close())
                .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(401));

        try (SseStream events = new SseStream(
                anonymous.url("/events?deviceId=" + uniqueId("sec")),
                Map.of("Authorization", Http.bearer(Http.VIEWER_TOKEN)))) {
            assertThat(events.status()).isEqualTo(200);
        }

        String device = uniqueId("sec");
        try (WebSocketSession socket = new WebSocketSession(ws, Http.bearer(Http.VIEWER_TOKEN))) {
            socket.send("{\"type\":\"subscribe\",\"deviceId\":\"" + device + "\",\"requestId\":\"s1\"}");
            socket.send("{\"type\":\"publish\",\"requestId\":\"c1\",\"topic\":\"bike." + device + ".fan.command\","
                    + "\"payload\":" + COMMAND + "}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> socket.frames("error").size() == 1);
            JsonNode error = socket.frames("error").get(0);
            assertThat(error.path("reason").asText()).isEqualTo("forbidden");
            assertThat(error.path("requestId").asText()).isEqualTo("c1");
            assertThat(error.path("message").asText()).contains("OPERATOR");
            assertThat(socket.frames("subscribed")).hasSize(1);
            assertThat(socket.frames("accepted")).isEmpty();
        }
        assertThat(viewer.getJson("/api/devices/" + device + "/commands").body())
                .isEmpty();
    }

    private static HttpResponse<String> commandAs(Http http, String device) {
        return http.post("/api/devices/" + device + "/commands/fan", COMMAND, false);
    }

    private static void assertUnauthenticated(String what, HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(what).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate"))
                .as(what)
                .anySatisfy(scheme -> assertThat(scheme).startsWith("Basic"))
                .anySatisfy(scheme -> assertThat(scheme).startsWith("Bearer"));
        assertThat(response.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/problem+json"));
        assertThat(JSON.readTree(response.body()).path("reason").asText())
                .as(what)
                .isEqualTo("unauthenticated");
    }

    /** The HTTP status that refused the WebSocket upgrade. */
    private static int handshakeStatus(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
        }
        throw new AssertionError("not a refused handshake", failure);
    }
}
