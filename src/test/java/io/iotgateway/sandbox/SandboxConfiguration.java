package io.iotgateway.sandbox;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.reload.RoutesProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/** Sandbox-only beans: the device simulator, and a banner saying where everything listens. */
@TestConfiguration(proxyBeanMethods = false)
public class SandboxConfiguration {

    /** Administrator password of the sandbox when GATEWAY_ADMIN_PASSWORD is not set (the whole UI and API need a login). */
    public static final String ADMIN_PASSWORD = "sandbox";

    private static final Logger LOG = LoggerFactory.getLogger(SandboxConfiguration.class);

    @Bean
    DeviceSimulator deviceSimulator(GatewayProperties properties, RoutesProperties routes) {
        return new DeviceSimulator(properties.mqtt().brokerUrl(), routes.directoryPath());
    }

    @EventListener
    void ready(ApplicationReadyEvent event) {
        Environment env = event.getApplicationContext().getEnvironment();
        String http = "http://localhost:" + env.getProperty("local.server.port");
        LOG.info(
                """

                ==== iot-gateway sandbox is running ====
                  MQTT 5 broker : {}   try: mosquitto_pub -V 5 -h localhost -q 1 -t devices/demo-1/telemetry -m '{"sensorType":"temperature","value":21.5}'
                  Kafka         : {}   topics: device.telemetry, device.telemetry.dlq, device.status, device.alerts, bike.<id>.<sensor>, fms-data-stream, iot-frames
                  MongoDB       : {}   collections sensorData, controlCommands (data kept in ./data/mongo.mv)
                  Dashboard     : {}/?device=000001
                  Live          : {}/events (SSE)   ws://localhost:{}/ws (WebSocket)
                  Commands      : curl -u {}:{} -X POST {}/api/devices/000001/commands/fan -H 'Content-Type: application/json' -d '{"command":"setSpeed","value":75}'
                  Gateway       : {}/actuator/health   {}/actuator/prometheus   {}/actuator/hawtio
                  Login         : user '{}', password from GATEWAY_ADMIN_PASSWORD or '{}' (dashboard, API, Hawtio)
                  Simulator     : {}
                Stop with Ctrl+C.
                """,
                env.getProperty("gateway.mqtt.broker-url"),
                env.getProperty("camel.component.kafka.brokers"),
                env.getProperty("spring.data.mongodb.uri"),
                http,
                http,
                env.getProperty("local.server.port"),
                env.getProperty("gateway.security.admin-user"),
                ADMIN_PASSWORD,
                http,
                http,
                http,
                http,
                env.getProperty("gateway.security.admin-user"),
                ADMIN_PASSWORD,
                event.getApplicationContext().getBean(DeviceSimulator.class).describe());
    }
}
