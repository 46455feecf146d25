package io.iotgateway.persistence;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.GatewayExchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * {@code device.telemetry} to MongoDB {@code sensorData}, in batches. Offsets are committed explicitly, per
 * partition, only after the batch is written (or dead-lettered); a failed batch is not committed and is polled again
 * ({@code breakOnFirstError}). Writes are upserts by
 * {@code _id = messageId}, so a redelivered record never creates a second document. While MongoDB is unavailable the
 * error policy keeps redelivering the batch, which holds the consumer: consumption pauses and resumes by itself.
 */
@Component
@ConditionalOnProperty(name = "gateway.persistence.enabled", havingValue = "true", matchIfMissing = true)
class PersistenceRoutes extends RouteBuilder {

    private final SensorDataWriter writer;
    private final String database;
    private final String collection;

    PersistenceRoutes(SensorDataWriter writer, MongoProperties mongo, GatewayProperties properties) {
        this.writer = writer;
        this.database = mongo.getMongoClientDatabase();
        this.collection = properties.persistence().collection();
    }

    @Override
    public void configure() {
        from("kafka:{{gateway.topics.telemetry}}"
                        + "?groupId={{gateway.persistence.group-id}}"
                        + "&batching=true"
                        + "&maxPollRecords={{gateway.persistence.batch-size}}"
                        + "&batchingIntervalMs=100"
                        + "&autoCommitEnable=false"
                        + "&allowManualCommit=true"
                        + "&breakOnFirstError=true"
                        + "&autoOffsetReset=earliest")
                .routeId("persistence-store-telemetry")
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(writer::toWrites)
                .filter(simple("${body.size} > 0"))
                .to("mongodb:mongo?database=" + database + "&collection=" + collection + "&operation=bulkWrite")
                .end()
                .process(writer::commitOffsets);
    }
}
