package io.iotgateway.operations;

import com.mongodb.client.MongoClient;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ServerDescription;
import io.iotgateway.config.GatewayProperties;
import java.util.List;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health indicator {@code mongodb}: what the driver's own server monitor last saw, so a probe never waits for a
 * server-selection timeout. UNKNOWN (not DOWN) where this instance does not write to MongoDB.
 */
@Component("mongodb")
class MongoHealthIndicator implements HealthIndicator {

    private final MongoClient mongo;
    private final boolean used;

    MongoHealthIndicator(MongoClient mongo, GatewayProperties properties) {
        this.mongo = mongo;
        this.used = properties.persistence().enabled();
    }

    @Override
    public Health health() {
        if (!used) {
            return Health.unknown()
                    .withDetail("reason", "persistence is disabled in this instance")
                    .build();
        }
        ClusterDescription cluster = mongo.getClusterDescription();
        List<String> servers = cluster.getServerDescriptions().stream()
                .map(server -> server.getAddress() + " " + describe(server))
                .toList();
        boolean reachable = cluster.getServerDescriptions().stream().anyMatch(ServerDescription::isOk);
        return (reachable ? Health.up() : Health.down())
                .withDetail("servers", servers)
                .build();
    }

    private static String describe(ServerDescription server) {
        if (server.isOk()) {
            return server.getType().name().toLowerCase();
        }
        return server.getException() == null
                ? server.getState().name().toLowerCase()
                : "unreachable (" + server.getException().getClass().getSimpleName() + ")";
    }
}
