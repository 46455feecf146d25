package io.iotgateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.HeadlessBrowser;
import io.iotgateway.support.Http;
import io.iotgateway.support.SimulatedActuator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard in a real headless Chromium: it loads from the jar, its chart receives live points from real
 * telemetry, a command button leads to the device's ACKED report, and the twin table shows desired vs reported and
 * sets a desired value that the device then reports.
 */
class DashboardIT extends GatewayIntegrationTest {

    @LocalServerPort
    int port;

    @Test
    void showsLiveTelemetryAndFollowsACommandToItsReport() {
        String id = uniqueId("bike");
        for (int i = 0; i < 3; i++) {
            heartrate(id, 120 + i, i);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sensorData().countDocuments(Filters.eq("deviceId", id)) == 3);

        try (SimulatedActuator actuator = new SimulatedActuator(BROKERS.mqttUrl(), id);
                HeadlessBrowser browser = HeadlessBrowser.start()) {
            // as a browser that logged in: basic credentials on every request (page, fetch, EventSource)
            browser.withBasicAuth(Http.OPERATOR_USER, Http.OPERATOR_PASSWORD)
                    .open("http://localhost:" + port + "/?device=" + id);
            browser.awaitText(id);
            browser.awaitText("3 points");
            browser.awaitText("live");

            // new readings arrive over SSE
            heartrate(id, 150, 3);
            heartrate(id, 151, 4);
            browser.awaitText("5 points");
            browser.awaitText("latest 151 BPM");

            WebElement slider = browser.awaitElement(By.cssSelector("input[name=fan]"));
            ((JavascriptExecutor) browser.driver())
                    .executeScript("arguments[0].value = 60; arguments[0].dispatchEvent(new Event('input'))", slider);
            browser.awaitElement(By.cssSelector("button[data-component=fan]")).click();

            WebElement status = browser.awaitElement(By.cssSelector("#command-log .status-ACKED"));
            assertThat(status.getText()).isEqualTo("ACKED");
            assertThat(actuator.state(id, "fan")).isEqualTo(60.0);
            assertThat(browser.visibleText()).contains("ms");

            // the twin: the fan's report shows as reported; a desired incline set here reaches the device
            browser.awaitElement(By.cssSelector("#twin tr[data-component=fan] .twin-reported"));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.driver()
                    .findElement(By.cssSelector("#twin tr[data-component=fan] .twin-reported"))
                    .getText()
                    .equals("60"));
            browser.awaitElement(By.cssSelector("input[data-twin-input=incline]"));
            // in one script: a twin event re-renders the table, which would leave a held element stale
            ((JavascriptExecutor) browser.driver())
                    .executeScript("document.querySelector('input[data-twin-input=incline]').value = 5;"
                            + " document.querySelector('button[data-twin=incline]').click();");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.driver()
                    .findElement(By.cssSelector("#twin tr[data-component=incline] .twin-reported"))
                    .getText()
                    .equals("5"));
            assertThat(actuator.state(id, "incline")).isEqualTo(5.0);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.driver()
                    .findElement(By.cssSelector("#twin tr[data-component=incline]"))
                    .getText()
                    .contains("in sync"));

            Path screenshot = browser.screenshot("dashboard");
            assertThat(screenshot).exists();
            assertThat(Files.isRegularFile(screenshot)).isTrue();
        }
    }

    private void heartrate(String id, int value, int second) {
        device.publish(
                "bike/" + id + "/heartrate",
                "{\"value\":" + value + ",\"unitName\":\"BPM\",\"timestamp\":" + (1757841770 + second) + "}");
    }
}
