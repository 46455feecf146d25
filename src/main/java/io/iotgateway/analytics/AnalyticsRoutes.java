package io.iotgateway.analytics;

import io.iotgateway.persistence.KafkaToMongo;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * The analytics results from Kafka to MongoDB, one route per topic, as persistence does for telemetry: batches of
 * committed records only ({@code read_committed}: an aborted streams transaction is never stored), idempotent
 * upserts, offsets committed after the write; while MongoDB is down the error policy redelivers and holds the
 * consumer.
 */
@Component
@ConditionalOnProperty(name = "gateway.analytics.enabled", havingValue = "true", matchIfMissing = true)
class AnalyticsRoutes extends RouteBuilder {

    private final AnalyticsWriter writer;
    private final AnalyticsProperties properties;
    private final String database;

    AnalyticsRoutes(AnalyticsWriter writer, AnalyticsProperties properties, MongoProperties mongo) {
        this.writer = writer;
        this.properties = properties;
        this.database = mongo.getMongoClientDatabase();
    }

    @Override
    public void configure() {
        store(
                "analytics-store-sensor-aggregates",
                properties.sensorTopic(),
                properties.sensorCollection(),
                writer::aggregateWrites);
        store(
                "analytics-store-place-aggregates",
                properties.placeTopic(),
                properties.placeCollection(),
                writer::aggregateWrites);
        store(
                "analytics-store-sessions",
                properties.sessionTopic(),
                properties.sessionCollection(),
                writer::sessionWrites);
    }

    private void store(String routeId, String topic, String collection, Processor toWrites) {
        KafkaToMongo.route(
                this,
                routeId,
                topic,
                "{{gateway.analytics.group-id}}",
                "{{gateway.analytics.batch-size}}",
                database,
                collection,
                toWrites);
    }
}
