package io.iotgateway.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CommandTopicsTest {

    private final CommandTopics topics = new CommandTopics(new CommandProperties(
            true,
            Map.of("fan", new CommandProperties.Component(0.0, 100.0)),
            Duration.ofSeconds(10),
            "devices/{deviceId}/commands/{component}",
            "devices/{deviceId}/reports/{component}",
            "device.commands",
            "bike.{deviceId}.{component}.command",
            "bike.{deviceId}.{component}.report",
            "device.commands.status",
            "group",
            "controlCommands",
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            4));

    @Test
    void parsesTheSeedCommandTopics() {
        assertThat(topics.parseKafkaCommandTopic("bike.000001.fan.command"))
                .contains(new CommandTopics.Target("000001", "fan"));
        assertThat(topics.parseKafkaCommandTopic("device.commands")).isEmpty();
        assertThat(topics.isCommandTopic("device.commands")).isTrue();
        assertThat(topics.isCommandTopic("bike.000001.fan.report")).isFalse();
        assertThat(topics.isCommandTopic("bike.a.b.c.command")).isFalse();
    }

    @Test
    void theKafkaSubscriptionMatchesExactlyTheCommandTopics() {
        Pattern subscription = Pattern.compile(topics.kafkaSubscription());

        assertThat(subscription.matcher("bike.000001.fan.command").matches()).isTrue();
        assertThat(subscription.matcher("device.commands").matches()).isTrue();
        assertThat(subscription.matcher("deviceXcommands").matches()).isFalse();
        assertThat(subscription.matcher("bike.000001.fan.report").matches()).isFalse();
        assertThat(subscription.matcher("bike.000001.heartrate").matches()).isFalse();
    }

    @Test
    void rendersAndParsesMqttTopics() {
        assertThat(topics.mqttCommandTopic("000001", "fan")).isEqualTo("devices/000001/commands/fan");
        assertThat(topics.mqttReportFilter()).isEqualTo("devices/+/reports/+");
        assertThat(topics.parseMqttReportTopic("devices/d.1/reports/fan"))
                .contains(new CommandTopics.Target("d.1", "fan"));
        assertThat(topics.parseMqttReportTopic("devices/d/reports/fan/extra")).isEmpty();
        assertThat(topics.kafkaReportTopic("000001", "fan")).isEqualTo("bike.000001.fan.report");
    }
}
