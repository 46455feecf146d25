package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.RouteSources;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * YAML routes that serve HTTP ({@code from: platform-http:/...}) on the gateway's own server, behind its security, and
 * hot-reloaded like every YAML route: add, edit, an invalid edit that keeps the running version, delete (the path then
 * answers 404), and edits under a continuous stream of requests, none of which fails.
 */
class HttpRouteReloadIT extends GatewayIntegrationTest {

    @LocalServerPort
    int port;

    @Autowired
    ReloadManager reloads;

    private Path file;

    @AfterEach
    void removeFile() {
        if (file != null) {
            RouteSources.delete(file);
            await().atMost(Duration.ofSeconds(15))
                    .until(() ->
                            status(file).map(f -> "deleted".equals(f.status())).orElse(true));
        }
    }

    @Test
    void httpRouteIsAddedEditedKeptOnAnInvalidEditAndDeleted() {
        String id = uniqueId("probe");
        file = SOURCES.routes().resolve("http-" + id + ".camel.yaml");
        Http http = new Http(port);
        String path = "/probe/" + id;

        RouteSources.write(file, route(id, "v1"));
        await().atMost(Duration.ofSeconds(15)).until(() -> answer(http, path), "v1"::equals);
        // the same security as every endpoint: no credentials, no answer
        HttpResponse<String> anonymous = Http.anonymous(port).get(path);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("v1").contains("unauthenticated");

        RouteSources.write(file, route(id, "v2"));
        await().atMost(Duration.ofSeconds(15)).until(() -> answer(http, path), "v2"::equals);

        RouteSources.write(file, route(id, "v3").replace("- setBody:", "- to: kafak:nowhere\n        - setBody:"));
        ReloadManager.FileStatus failed = await().atMost(Duration.ofSeconds(15))
                .until(() -> status(file).orElseThrow(), f -> "failed"
                        .equals(f.lastReload().result()));
        assertThat(failed.lastReload().error()).contains("unknown component 'kafak'");
        assertThat(failed.status()).isEqualTo("active");
        assertThat(answer(http, path)).isEqualTo("v2");

        RouteSources.delete(file);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> status(file).map(ReloadManager.FileStatus::status).orElse(""), "deleted"::equals);
        // the deleted route's path is gone, not left mapped to a stopped consumer (which answered 500)
        HttpResponse<String> gone = http.get(path);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(camel.getRoute("routing-serve-probe-" + id)).isNull();
    }

    @Test
    void editsUnderContinuousRequestsDropNone() throws Exception {
        String id = uniqueId("load");
        file = SOURCES.routes().resolve("http-" + id + ".camel.yaml");
        Http http = new Http(port);
        String path = "/probe/" + id;
        RouteSources.write(file, route(id, "v1"));
        await().atMost(Duration.ofSeconds(15)).until(() -> answer(http, path), "v1"::equals);

        AtomicBoolean running = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> clients = new java.util.ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            Thread client = new Thread(
                    () -> {
                        while (running.get()) {
                            try {
                                HttpResponse<String> response = http.get(path);
                                statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger())
                                        .incrementAndGet();
                                if (response.statusCode() / 100 != 2) {
                                    failures.add(response.statusCode() + " " + response.body());
                                }
                            } catch (RuntimeException e) {
                                failures.add(e.toString());
                            }
                        }
                    },
                    "http-load-" + n);
            client.start();
            clients.add(client);
        }
        try {
            for (String version : List.of("v2", "v3", "v4")) {
                RouteSources.write(file, route(id, version));
                await().atMost(Duration.ofSeconds(15)).until(() -> answer(http, path), version::equals);
            }
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join(30_000);
            }
        }
        assertThat(failures).as("responses " + new TreeMap<>(statuses)).isEmpty();
        assertThat(statuses.get(200).get()).isGreaterThan(20);
    }

    private static String answer(Http http, String path) {
        HttpResponse<String> response = http.get(path);
        return response.statusCode() == 200 ? response.body() : response.statusCode() + "";
    }

    private java.util.Optional<ReloadManager.FileStatus> status(Path file) {
        return reloads.files().stream()
                .filter(f -> f.file().endsWith(file.getFileName().toString()))
                .findFirst();
    }

    private static String route(String id, String version) {
        return """
                - route:
                    id: routing-serve-probe-%s
                    routeConfigurationId: gateway-error-policy
                    from:
                      uri: platform-http:/probe/%s?httpMethodRestrict=GET
                      steps:
                        - setBody:
                            constant: %s
                """
                .formatted(id, id, version);
    }
}
