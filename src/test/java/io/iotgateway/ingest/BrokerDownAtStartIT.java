package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.SharedBrokers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The MQTT broker is down when the gateway starts: the gateway starts anyway, says what it waits for, then resumes. */
@ExtendWith(OutputCaptureExtension.class)
class BrokerDownAtStartIT {

    @Test
    void startsWithoutTheBrokerAndSubscribesWhenItAppears(CapturedOutput output) throws Exception {
        EmbeddedBrokers brokers = SharedBrokers.get();
        int mqttPort = EmbeddedBrokers.freePort();
        String mqttUrl = "tcp://127.0.0.1:" + mqttPort;
        try (ConfigurableApplicationContext gateway = GatewayInstance.start(Map.of(
                "gateway.mqtt.client-id", "gw-late",
                "gateway.mqtt.broker-url", mqttUrl,
                "gateway.persistence.enabled", "false"))) {
            CamelContext camel = gateway.getBean(CamelContext.class);
            assertThat(camel.getRouteController()
                            .getRouteStatus("ingest-receive-devices")
                            .isStarted())
                    .isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> output.getAll()
                    .contains("Waiting for MQTT broker " + mqttUrl + ": route ingest-receive-"));

            try (EmbeddedBrokers.MqttBroker lateBroker =
                    EmbeddedBrokers.startMqttBroker(mqttPort, Path.of("target", "late-broker-" + mqttPort))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> camel.getRouteController()
                        .getRouteStatus("ingest-receive-devices")
                        .isStarted());
                assertThat(output.getAll()).contains("Subscribed to MQTT broker " + mqttUrl);

                String id = "late-" + mqttPort;
                try (MqttDevice device = new MqttDevice(mqttUrl)) {
                    device.publish("devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":1}");
                }
                assertThat(new KafkaProbe(brokers.kafkaBootstrap()).awaitKey("device.telemetry", id, 1))
                        .hasSize(1);
            }
        }
    }
}
