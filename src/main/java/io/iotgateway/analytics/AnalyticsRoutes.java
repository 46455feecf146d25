package io.iotgateway.analytics;

import io.iotgateway.errors.GatewayExchange;
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
        from("kafka:" + topic
                        + "?groupId={{gateway.analytics.group-id}}"
                        + "&isolationLevel=read_committed"
                        + "&batching=true"
                        + "&maxPollRecords={{gateway.analytics.batch-size}}"
                        + "&batchingIntervalMs=100"
                        + "&autoCommitEnable=false"
                        + "&allowManualCommit=true"
                        + "&breakOnFirstError=true"
                        + "&autoOffsetReset=earliest")
                .routeId(routeId)
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(toWrites)
                .filter(simple("${body.size} > 0"))
                .to("mongodb:mongo?database=" + database + "&collection=" + collection + "&operation=bulkWrite")
                .end()
                .process(writer::commitOffsets);
    }
}
