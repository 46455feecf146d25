package io.iotgateway.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.mqtt.MqttSubscriptions;
import io.iotgateway.telemetry.GatewayExchange;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The command loop. Commands from Kafka ({@code commands-consume-requests}) and from the API go out to the device over
 * MQTT ({@code commands-publish-to-device}); the device's reports come back ({@code commands-receive-report}); commands
 * nobody answers time out ({@code commands-expire-pending}).
 */
@Component
@ConditionalOnProperty(name = "gateway.commands.enabled", havingValue = "true", matchIfMissing = true)
class CommandRoutes extends RouteBuilder {

    static final String PUBLISH_ENDPOINT = "direct:commands-publish";

    private final CommandService service;
    private final CommandReports reports;
    private final CommandTopics topics;
    private final CommandProperties properties;
    private final GatewayProperties.Mqtt mqtt;
    private final ObjectMapper json;

    CommandRoutes(
            CommandService service,
            CommandReports reports,
            CommandTopics topics,
            CommandProperties properties,
            GatewayProperties gateway,
            ObjectMapper json) {
        this.service = service;
        this.reports = reports;
        this.topics = topics;
        this.properties = properties;
        this.mqtt = gateway.mqtt();
        this.json = json;
    }

    @Override
    public void configure() {
        from(kafkaCommands())
                .routeId("commands-consume-requests")
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(service::acceptFromKafka);

        // Outside the error policy: the caller (API or Kafka route) decides what a failed publish means.
        from(PUBLISH_ENDPOINT)
                .routeId("commands-publish-to-device")
                .process(this::toMqttMessage)
                .to("paho-mqtt5:commands?clientId={{gateway.mqtt.client-id}}-commands");

        from(MqttSubscriptions.endpoint(topics.mqttReportFilter(), "reports", mqtt))
                .routeId("commands-receive-report")
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(new ReportLanes(
                        getContext(),
                        "commands-report-lane",
                        properties.reportLanes(),
                        exchange -> exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class)))
                .process(reports::toRecords)
                .to("kafka:{{gateway.commands.status-topic}}")
                .process(reports::announced);

        // Not under the error policy: a failed round (MongoDB or Kafka down) is logged and simply runs again.
        from("timer:commands-expiry?period={{gateway.commands.sweep-interval}}&delay={{gateway.commands.sweep-interval}}")
                .routeId("commands-expire-pending")
                .process(reports::expireAndCollect)
                .filter(simple("${body.size} > 0"))
                .to("kafka:{{gateway.commands.status-topic}}")
                .process(reports::announced);
    }

    /**
     * One consumer for all command topics. Its topic is a regular expression, set on the endpoint rather than in the
     * URI so no character of it needs escaping.
     */
    private KafkaEndpoint kafkaCommands() {
        KafkaEndpoint endpoint = getContext()
                .getEndpoint(
                        "kafka:commands?topicIsPattern=true"
                                + "&groupId={{gateway.commands.group-id}}"
                                + "&autoOffsetReset=earliest"
                                + "&metadataMaxAgeMs="
                                + properties.topicDiscoveryInterval().toMillis(),
                        KafkaEndpoint.class);
        endpoint.getConfiguration().setTopic(topics.kafkaSubscription());
        return endpoint;
    }

    /** What the device receives: the command, its id as MQTT 5 correlation data, and where to report back. */
    private void toMqttMessage(Exchange exchange) throws JsonProcessingException {
        Command command = exchange.getMessage().getBody(Command.class);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("commandId", command.commandId());
        payload.put("deviceId", command.deviceId());
        payload.put("component", command.component());
        payload.put("command", command.command());
        payload.put("value", command.value());
        payload.put("timestamp", command.timestamp().toString());

        MqttProperties mqttProperties = new MqttProperties();
        mqttProperties.setCorrelationData(command.commandId().getBytes(StandardCharsets.UTF_8));
        mqttProperties.setResponseTopic(topics.mqttReportTopic(command.deviceId(), command.component()));
        mqttProperties.setContentType("application/json");
        mqttProperties.setPayloadFormat(true);
        // A device that comes back after the timeout must not act on a command already reported as timed out.
        mqttProperties.setMessageExpiryInterval(Math.max(1, properties.timeout().toSeconds()));

        var message = exchange.getMessage();
        message.setHeader(
                PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC,
                topics.mqttCommandTopic(command.deviceId(), command.component()));
        message.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, 1);
        message.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, false);
        message.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, mqttProperties);
        message.setBody(json.writeValueAsBytes(payload));
    }
}
