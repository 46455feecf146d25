package io.iotgateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The browser support itself, against a small HTTP server that demands basic auth for the page and its fetches. */
class HeadlessBrowserTest {

    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        BasicAuthenticator auth = new BasicAuthenticator("test") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return "ops".equals(user) && "s3cret".equals(password);
            }
        };
        server.createContext(
                        "/page",
                        exchange -> reply(
                                exchange,
                                "text/html",
                                """
                                <html><body><h1 id="title">static part</h1><div id="out"></div>
                                <script>fetch('/data').then(r => r.text())
                                  .then(t => document.getElementById('out').textContent = t);</script>
                                </body></html>
                                """))
                .setAuthenticator(auth);
        server.createContext("/data", exchange -> reply(exchange, "text/plain", "loaded by fetch"))
                .setAuthenticator(auth);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void opensAPageWithBasicAuthWaitsForScriptedContentAndTakesAScreenshot() throws IOException {
        try (HeadlessBrowser browser = HeadlessBrowser.start()) {
            browser.withBasicAuth("ops", "s3cret").open(url("/page"));
            browser.awaitText("loaded by fetch");
            assertThat(browser.awaitElement(By.id("title")).getText()).isEqualTo("static part");
            Path shot = browser.screenshot("headless-browser-self-test");
            assertThat(shot).isEqualTo(HeadlessBrowser.SCREENSHOTS.resolve("headless-browser-self-test.png"));
            assertThat(Files.readAllBytes(shot)).startsWith(0x89, 'P', 'N', 'G');
        }
    }

    @Test
    void aTextThatNeverAppearsFailsWithWhatThePageShows() {
        try (HeadlessBrowser browser = HeadlessBrowser.start()) {
            browser.open(url("/page"));
            assertThatThrownBy(() -> browser.awaitText("loaded by fetch", Duration.ofSeconds(2)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("did not show 'loaded by fetch'");
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static void reply(HttpExchange exchange, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
