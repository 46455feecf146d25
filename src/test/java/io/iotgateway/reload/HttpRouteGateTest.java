package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The gate in front of YAML HTTP routes, on its own: counting, holding during a swap, the bounded wait, the 503. */
class HttpRouteGateTest {

    private static final Object FILE = "probe.camel.yaml";

    private final HttpRouteGate gate = new HttpRouteGate(
            new ObjectMapper(),
            new RoutesProperties(
                    "routes", "kamelets", Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMillis(300)));

    @Test
    void pathOfAPlatformHttpUri() {
        assertThat(HttpRouteGate.pathOf("platform-http:/ingest/{family}/{deviceId}?httpMethodRestrict=POST"))
                .isEqualTo("/ingest/{family}/{deviceId}");
        assertThat(HttpRouteGate.pathOf("platform-http:probe")).isEqualTo("/probe");
        assertThat(HttpRouteGate.pathOf("direct:probe")).isNull();
        assertThat(HttpRouteGate.pathOf(null)).isNull();
    }

    @Test
    void inFlightRequestsAreAwaitedBeforeASwap() throws Exception {
        gate.open(FILE, List.of("/probe/{id}"), List.of());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<MockHttpServletResponse> request =
                CompletableFuture.supplyAsync(() -> call("/probe/1", (q, r) -> {
                    inside.countDown();
                    await(release);
                }));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        gate.close(List.of("/probe/{id}"));
        assertThat(gate.awaitIdle(List.of("/probe/{id}"), Duration.ofMillis(100)))
                .isFalse();
        release.countDown();
        assertThat(gate.awaitIdle(List.of("/probe/{id}"), Duration.ofSeconds(5)))
                .isTrue();
        assertThat(request.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

    @Test
    void aRequestDuringASwapIsHeldAndGoesOnToTheNewVersion() throws Exception {
        HttpRouteGate patient = new HttpRouteGate(
                new ObjectMapper(),
                new RoutesProperties("r", "k", Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(10)));
        patient.open(FILE, List.of("/probe"), List.of());
        patient.close(List.of("/probe"));
        AtomicInteger served = new AtomicInteger();
        CompletableFuture<MockHttpServletResponse> held =
                CompletableFuture.supplyAsync(() -> call(patient, "/probe", (q, r) -> served.incrementAndGet()));

        assertThat(held).isNotCompleted();
        assertThat(served).hasValue(0);
        patient.open(FILE, List.of("/probe"), List.of("/probe"));
        assertThat(held.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(served).hasValue(1);
    }

    @Test
    void aSwapLongerThanTheHoldTimeoutIs503WithTheReason() throws Exception {
        gate.open(FILE, List.of("/probe"), List.of());
        gate.close(List.of("/probe"));
        AtomicInteger served = new AtomicInteger();

        MockHttpServletResponse response = call("/probe", (q, r) -> served.incrementAndGet());

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentAsString()).contains("route-reloading");
        assertThat(response.getHeader("Retry-After")).isEqualTo("1");
        assertThat(served).hasValue(0);
    }

    @Test
    void otherPathsAndRemovedRoutesPassUntouched() {
        gate.open(FILE, List.of("/probe"), List.of());
        gate.close(List.of("/probe"));
        assertThat(call("/api/devices", (q, r) -> {}).getStatus()).isEqualTo(200);

        gate.open(FILE, List.of(), List.of("/probe")); // the file was deleted
        assertThat(call("/probe", (q, r) -> {}).getStatus()).isEqualTo(200);
    }

    private MockHttpServletResponse call(String path, FilterChain chain) {
        return call(gate, path, chain);
    }

    private static MockHttpServletResponse call(HttpRouteGate gate, String path, FilterChain chain) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
        MockHttpServletResponse response = new MockHttpServletResponse();
        try {
            gate.doFilter(request, response, chain);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return response;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
