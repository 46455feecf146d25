package io.iotgateway;

import io.iotgateway.sandbox.SandboxConfiguration;
import io.iotgateway.support.EmbeddedBrokers;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;

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
        // After the gateway has stopped (Spring runs its shutdown handlers once the contexts are closed): brokers that
        // stopped first left the gateway's Kafka clients logging reconnect warnings for most of a minute.
        SpringApplication.getShutdownHandlers().add(() -> {
            try {
                brokers.close();
            } catch (Exception e) {
                // exiting anyway
            }
        });
        SpringApplication.from(IotGatewayApplication::main)
                .with(SandboxConfiguration.class)
                .run(args);
    }
}
