package io.iotgateway.persistence;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.Instants;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.json.JsonParseException;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * Turns a batch of canonical records into idempotent MongoDB writes. A record that is not a canonical record (another
 * producer wrote to the topic) is dead-lettered on its own so it cannot block the rest of the batch.
 */
@Component
class SensorDataWriter {

    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private final MongoClient mongo;
    private final ProducerTemplate producer;
    private final String database;
    private final String collection;
    private final DistributionSummary batchSizes;
    private volatile boolean indexesEnsured;

    SensorDataWriter(
            MongoClient mongo,
            ProducerTemplate producer,
            MongoProperties mongoProperties,
            GatewayProperties properties,
            MeterRegistry meters) {
        this.mongo = mongo;
        this.producer = producer;
        this.database = mongoProperties.getMongoClientDatabase();
        this.collection = properties.persistence().collection();
        this.batchSizes = DistributionSummary.builder("gateway.mongodb.batch.size")
                .description("Records per MongoDB bulk write")
                .register(meters);
    }

    void toWrites(Exchange exchange) {
        ensureIndexes();
        List<WriteModel<Document>> writes = KafkaToMongo.toWrites(exchange, producer, SensorDataWriter::toWrite);
        batchSizes.record(writes.size());
    }

    /** The index queries by device, sensor and time rely on; created once, retried with the batch if Mongo is down. */
    private void ensureIndexes() {
        if (indexesEnsured) {
            return;
        }
        MongoIndexes.ensure(
                mongo.getDatabase(database).getCollection(collection),
                Indexes.compoundIndex(
                        Indexes.ascending("deviceId"),
                        Indexes.ascending("sensorType"),
                        Indexes.descending("timestamp")),
                "deviceId_sensorType_timestamp");
        indexesEnsured = true;
    }

    /** The upsert of a record's document, by its message id, so a record written twice is stored once. */
    static WriteModel<Document> toWrite(byte[] body) {
        RawBsonDocument raw = body == null ? null : RawRecords.read(body);
        if (raw == null) {
            Document document = toDocument(body);
            return new ReplaceOneModel<>(new Document("_id", document.get("_id")), document, UPSERT);
        }
        // The collection's document type is Document; the driver sends any BsonDocument replacement as it is.
        @SuppressWarnings({"unchecked", "rawtypes"})
        WriteModel<Document> write =
                (WriteModel) new ReplaceOneModel<>(new BsonDocument("_id", raw.get("_id")), raw, UPSERT);
        return write;
    }

    static Document toDocument(byte[] body) {
        if (body == null) {
            throw new MessageRejectedException(RejectReason.INVALID_RECORD, "record has no body");
        }
        Document document;
        try {
            document = JsonDocuments.read(body);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_RECORD, "record is not a canonical telemetry record: " + e.getMessage());
        }
        Object messageId = document.get("messageId");
        if (!(messageId instanceof String) || !(document.get("deviceId") instanceof String)) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_RECORD,
                    "record is not a canonical telemetry record: no messageId or deviceId");
        }
        document.remove("messageId");
        Document stored = new Document("_id", messageId);
        stored.putAll(document);
        stored.put("timestamp", date(document, "timestamp"));
        stored.put("receivedAt", date(document, "receivedAt"));
        return stored;
    }

    private static Date date(Document document, String field) {
        Object value = document.get(field);
        if (value instanceof String text) {
            try {
                return Date.from(Instants.parse(text));
            } catch (DateTimeParseException e) {
                throw new MessageRejectedException(
                        RejectReason.INVALID_RECORD, field + " '" + text + "' is not an ISO-8601 instant");
            }
        }
        throw new MessageRejectedException(RejectReason.INVALID_RECORD, field + " is missing");
    }
}
