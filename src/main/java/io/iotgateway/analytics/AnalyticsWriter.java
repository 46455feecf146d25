package io.iotgateway.analytics;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.WriteModel;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.persistence.KafkaToMongo;
import io.iotgateway.persistence.MongoIndexes;
import io.iotgateway.telemetry.Instants;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.Date;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.bson.Document;
import org.bson.json.JsonParseException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * Turns batches of analytics results into idempotent MongoDB writes: a window or a session always has the same
 * {@code _id}, so a replayed record overwrites its own document. A record that is not an analytics result (another
 * producer wrote to the topic) is dead-lettered on its own.
 */
@Component
class AnalyticsWriter {

    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final UpdateOptions INSERT_IF_ABSENT = new UpdateOptions().upsert(true);

    private final MongoClient mongo;
    private final ProducerTemplate producer;
    private final String database;
    private final AnalyticsProperties properties;
    private final WindowGauges gauges;
    private volatile boolean indexesEnsured;

    AnalyticsWriter(
            MongoClient mongo,
            ProducerTemplate producer,
            MongoProperties mongoProperties,
            AnalyticsProperties properties,
            MeterRegistry meters,
            @Value("${gateway.metrics.device-label:false}") boolean perDeviceMetrics) {
        this.gauges = new WindowGauges(meters, perDeviceMetrics);
        this.mongo = mongo;
        this.producer = producer;
        this.database = mongoProperties.getMongoClientDatabase();
        this.properties = properties;
    }

    /** A batch from an aggregate topic: one upsert per closed window. */
    void aggregateWrites(Exchange exchange) {
        toWrites(exchange, document -> {
            Object id = document.get("id");
            if (!(id instanceof String) || !(document.get("sensorType") instanceof String)) {
                throw new MessageRejectedException(
                        RejectReason.INVALID_RECORD, "record is not a window aggregate: no id or sensorType");
            }
            document.remove("id");
            Document stored = new Document("_id", id);
            stored.putAll(document);
            stored.put("windowStart", date(document, "windowStart"));
            stored.put("windowEnd", date(document, "windowEnd"));
            stored.put("count", wholeNumber(document, "count"));
            gauges.record(stored);
            return new ReplaceOneModel<>(new Document("_id", id), stored, UPSERT);
        });
    }

    /**
     * A batch from the session topic. {@code ended} replaces the session document; {@code started} only inserts one
     * that does not exist yet, so a replayed start never reopens an ended session.
     */
    void sessionWrites(Exchange exchange) {
        toWrites(exchange, document -> {
            Object id = document.get("sessionId");
            Object event = document.get("event");
            if (!(id instanceof String) || !(document.get("deviceId") instanceof String)) {
                throw new MessageRejectedException(
                        RejectReason.INVALID_RECORD, "record is not a session event: no sessionId or deviceId");
            }
            document.remove("sessionId");
            document.remove("event");
            Document stored = new Document("_id", id);
            stored.putAll(document);
            stored.put("start", date(document, "start"));
            stored.put("samples", wholeNumber(document, "samples"));
            if (SessionEvent.ENDED.equals(event)) {
                stored.put("end", date(document, "end"));
                stored.put("status", "ended");
                return new ReplaceOneModel<>(new Document("_id", id), stored, UPSERT);
            }
            if (SessionEvent.STARTED.equals(event)) {
                stored.remove("_id");
                stored.put("status", "active");
                return new UpdateOneModel<>(
                        new Document("_id", id), new Document("$setOnInsert", stored), INSERT_IF_ABSENT);
            }
            throw new MessageRejectedException(
                    RejectReason.INVALID_RECORD, "session event '" + event + "' is neither started nor ended");
        });
    }

    private interface ToWrite {
        WriteModel<Document> apply(Document document);
    }

    private void toWrites(Exchange exchange, ToWrite toWrite) {
        ensureIndexes();
        KafkaToMongo.toWrites(exchange, producer, body -> toWrite.apply(parse(body)));
    }

    /** Indexes for the per-device, per-place and session queries; created once, retried with the batch. */
    private void ensureIndexes() {
        if (indexesEnsured) {
            return;
        }
        MongoDatabase db = mongo.getDatabase(database);
        MongoIndexes.ensure(
                db.getCollection(properties.sensorCollection()),
                Indexes.compoundIndex(
                        Indexes.ascending("deviceId"),
                        Indexes.ascending("sensorType"),
                        Indexes.descending("windowStart")),
                "deviceId_sensorType_windowStart");
        MongoIndexes.ensure(
                db.getCollection(properties.placeCollection()),
                Indexes.compoundIndex(
                        Indexes.ascending("placeId"),
                        Indexes.ascending("sensorType"),
                        Indexes.descending("windowStart")),
                "placeId_sensorType_windowStart");
        MongoIndexes.ensure(
                db.getCollection(properties.sessionCollection()),
                Indexes.compoundIndex(Indexes.ascending("deviceId"), Indexes.descending("start")),
                "deviceId_start");
        MongoIndexes.ensure(db.getCollection(properties.sessionCollection()), Indexes.descending("start"), "start");
        indexesEnsured = true;
    }

    private static Document parse(byte[] body) {
        if (body == null) {
            throw new MessageRejectedException(RejectReason.INVALID_RECORD, "record has no body");
        }
        try {
            return Document.parse(new String(body, StandardCharsets.UTF_8));
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_RECORD, "record is not an analytics result: " + e.getMessage());
        }
    }

    /** JSON parsing gives small numbers as int32: counts are stored as int64 whatever their size. */
    private static long wholeNumber(Document document, String field) {
        if (document.get(field) instanceof Number number) {
            return number.longValue();
        }
        throw new MessageRejectedException(RejectReason.INVALID_RECORD, field + " is missing");
    }

    private static Date date(Document document, String field) {
        if (document.get(field) instanceof String text) {
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
