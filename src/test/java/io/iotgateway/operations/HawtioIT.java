package io.iotgateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.HeadlessBrowser;
import io.iotgateway.support.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Hawtio in a real (headless) browser: the Camel routes tree lists the gateway's routes. */
class HawtioIT extends GatewayIntegrationTest {

    @LocalServerPort
    int port;

    @Test
    void camelRoutesTreeListsTheGatewayRoutes() {
        try (HeadlessBrowser browser = HeadlessBrowser.start()) {
            browser.withBasicAuth(Http.ADMIN_USER, Http.ADMIN_PASSWORD)
                    .open(new Http(port).url("/actuator/hawtio/camel/routes"));
            try {
                browser.awaitText("ingest-receive-devices");
                browser.awaitText("persistence-store-telemetry");
                browser.awaitText("errors-publish-dead-letter");
            } catch (AssertionError e) {
                throw new AssertionError(
                        e.getMessage() + "\nbrowser console:\n" + String.join("\n", browser.consoleLog()), e);
            } finally {
                browser.screenshot("hawtio-camel-routes");
            }
            assertThat(browser.visibleText())
                    .contains("ingest-receive-bike", "ingest-receive-fms", "ingest-receive-environment");
        }
    }
}
