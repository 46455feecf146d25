package io.iotgateway.support;

import io.iotgateway.IotGatewayApplication;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another gateway instance in this JVM (a replica, or one that is about to crash), against the shared brokers. Settings
 * are passed as command-line arguments, so they outrank application.yaml as a deployment's own would.
 */
public final class GatewayInstance {

    private GatewayInstance() {}

    public static ConfigurableApplicationContext start(Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>(SharedBrokers.get().gatewayProperties());
        settings.put("server.port", "0");
        settings.put("spring.jmx.enabled", "false");
        settings.put("camel.main.jmx-enabled", "false");
        settings.put("camel.main.shutdown-timeout", "1");
        // Extra instances are about ingest; joining the analytics group would only move its tasks around.
        settings.put("gateway.analytics.enabled", "false");
        settings.putAll(overrides);
        return new SpringApplicationBuilder(IotGatewayApplication.class)
                .profiles("test")
                .run(settings.entrySet().stream()
                        .map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new));
    }
}
