package io.iotgateway.persistence;

import io.iotgateway.config.GatewayProperties;
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
        KafkaToMongo.route(
                this,
                "persistence-store-telemetry",
                "{{gateway.topics.telemetry}}",
                "{{gateway.persistence.group-id}}",
                "{{gateway.persistence.batch-size}}",
                database,
                collection,
                writer::toWrites);
    }
}
