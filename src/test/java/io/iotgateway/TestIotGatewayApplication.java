package io.iotgateway;

import io.iotgateway.sandbox.SandboxConfiguration;
import io.iotgateway.support.EmbeddedBrokers;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;

/**
 * The sandbox: {@code ./mvnw spring-boot:test-run}. Starts real MQTT 5, Kafka and MongoDB-wire brokers in this JVM on
 * their standard ports, the gateway against them, and a simulator of the seed device families. Nothing to install.
 */
public final class TestIotGatewayApplication {

    private TestIotGatewayApplication() {}

    public static void main(String[] args) {
        EmbeddedBrokers brokers = EmbeddedBrokers.start(
                EmbeddedBrokers.Ports.standard(),
                Path.of("target", "sandbox", "run-" + ProcessHandle.current().pid()),
                Path.of("data", "mongo.mv"));
        brokers.gatewayProperties().forEach(System::setProperty);
        // The management endpoints need a password; the sandbox has a known one unless one is given.
        if (System.getenv("GATEWAY_ADMIN_PASSWORD") == null) {
            System.setProperty(
                    "gateway.security.admin-password",
                    System.getProperty("gateway.security.admin-password", SandboxConfiguration.ADMIN_PASSWORD));
        }
        // HTTP ingest (README "Send telemetry over HTTP"): a device token for two demo devices
        System.setProperty(
                "gateway.security.device-tokens.sandbox-http.value",
                System.getProperty("gateway.security.device-tokens.sandbox-http.value", "sandbox-http-device-token"));
        System.setProperty("gateway.security.device-tokens.sandbox-http.devices", "http-demo-1,http-demo-2");
        ConfigurableApplicationContext gateway = SpringApplication.from(IotGatewayApplication::main)
                .with(SandboxConfiguration.class)
                .run(args)
                .getApplicationContext();
        // Ctrl+C stops the gateway first, then its brokers, then exits. Left to the JVM, every shutdown hook starts at
        // once: the Kafka test kit's deletes the broker's directories while the gateway is still draining into it.
        for (String name : List.of("INT", "TERM")) {
            Signal.handle(new Signal(name), signal -> {
                gateway.close();
                brokers.closeBeforeExit();
                System.exit(128 + signal.getNumber());
            });
        }
    }
}
