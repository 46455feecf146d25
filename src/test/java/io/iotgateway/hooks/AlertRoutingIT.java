package io.iotgateway.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Threshold rules (YAML routes in routes/alert-rules.camel.yaml) route a reading to device.alerts as well as device.telemetry. */
class AlertRoutingIT extends GatewayIntegrationTest {

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @Test
    void heartRateAboveThresholdRaisesOneAlert() throws Exception {
        String id = uniqueId("hr");
        double counted = alertsCounted("heartrate-high");
        device.publish("bike/" + id + "/heartrate", "{\"value\":150,\"unitName\":\"BPM\",\"timestamp\":1757841776}");
        device.publish("bike/" + id + "/heartrate", "{\"value\":191,\"unitName\":\"BPM\",\"timestamp\":1757841777}");
        device.publish("bike/" + id + "/heartrate", "{\"value\":152,\"unitName\":\"BPM\",\"timestamp\":1757841778}");

        // Both readings after the alert are in the telemetry topic, so the alerts topic has everything it will get.
        KAFKA.awaitKey("device.telemetry", id, 3);
        List<ConsumerRecord<String, byte[]>> alerts = KAFKA.awaitKey("device.alerts", id, 1);
        assertThat(alerts).hasSize(1);
        JsonNode alert = json.readTree(alerts.get(0).value());
        assertThat(alert.get("rule").asText()).isEqualTo("heartrate-high");
        assertThat(alert.get("deviceId").asText()).isEqualTo(id);
        assertThat(alert.get("value").asDouble()).isEqualTo(191.0);
        assertThat(alert.get("condition").asText()).isEqualTo("above");
        assertThat(alert.get("threshold").asDouble()).isEqualTo(185.0);
        assertThat(alert.get("timestamp").asText()).isEqualTo("2025-09-14T09:22:57Z");
        // the rule is a YAML route; the count is taken from its send to the alerts topic
        assertThat(alertsCounted("heartrate-high")).isGreaterThanOrEqualTo(counted + 1);
    }

    private double alertsCounted(String rule) {
        var counter = meters.find("gateway.alerts").tag("rule", rule).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void lowFuelRaisesAnAlertFromAMultiMetricFrame() throws Exception {
        String id = uniqueId("van");
        device.publish(
                "fms/data",
                "{\"vehicle_id\":\"%s\",\"timestamp\":1763320419,\"speed\":40,\"rpm\":1200,\"fuel_level\":7.5}"
                        .formatted(id));

        JsonNode alert =
                json.readTree(KAFKA.awaitKey("device.alerts", id, 1).get(0).value());
        assertThat(alert.get("rule").asText()).isEqualTo("fuel-low");
        assertThat(alert.get("sensorType").asText()).isEqualTo("fuel_level");
        assertThat(alert.get("condition").asText()).isEqualTo("below");
    }
}
