package io.iotgateway.twins;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import io.iotgateway.persistence.MongoIndexes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * Twins in MongoDB {@code deviceTwins}, one document per device ({@code _id} = device id). Every write is conditional
 * on the revision read before it, so concurrent writers (API calls, reports, replicas) never lose each other's
 * changes: the loser reads again and retries, or answers 412. The document also remembers which version is the
 * latest on the compacted Kafka topic, so a twin whose publication failed is sent again.
 */
@Component
class TwinStore {

    private static final int SWEEP_BATCH = 500;

    private final MongoCollection<Document> twins;
    private volatile boolean indexEnsured;

    TwinStore(MongoClient mongo, MongoProperties mongoProperties, TwinProperties properties) {
        this.twins = mongo.getDatabase(mongoProperties.getMongoClientDatabase()).getCollection(properties.collection());
    }

    Optional<TwinState> find(String deviceId) {
        return Optional.ofNullable(twins.find(Filters.eq("_id", deviceId)).first())
                .map(TwinStore::toState);
    }

    /**
     * Writes {@code next} if the stored twin is still at {@code read}'s revision (or, for revision 0, still absent).
     *
     * @return the state as written (with its new revision), or empty when another writer came first
     */
    Optional<TwinState> write(TwinState read, TwinState next, Instant now) {
        ensureIndex();
        TwinState written = next.withRevision(read.revision() + 1);
        boolean versionChanged = written.version() != read.version();
        if (read.revision() == 0) {
            Document document = toDocument(written, now).append("unpublished", true);
            try {
                twins.insertOne(document);
                return Optional.of(written);
            } catch (MongoWriteException e) {
                if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                    return Optional.empty();
                }
                throw e;
            }
        }
        List<Bson> updates = new ArrayList<>();
        toDocument(written, now).forEach((field, value) -> {
            if (!"_id".equals(field)) {
                updates.add(Updates.set(field, value));
            }
        });
        if (versionChanged) {
            updates.add(Updates.set("unpublished", true));
        }
        long matched = twins.updateOne(
                        Filters.and(Filters.eq("_id", read.deviceId()), Filters.eq("revision", read.revision())),
                        Updates.combine(updates))
                .getMatchedCount();
        return matched == 1 ? Optional.of(written) : Optional.empty();
    }

    /**
     * Kafka has {@code version} at {@code offset}. Records the latest record on the topic (by offset, whoever wrote
     * it), then clears the mark only if that record is the current version; a stale record that landed last keeps
     * the twin marked, and the sweep publishes the current one again.
     */
    void published(String deviceId, long version, long offset) {
        twins.updateOne(
                Filters.and(
                        Filters.eq("_id", deviceId),
                        Filters.or(Filters.exists("publishedOffset", false), Filters.lt("publishedOffset", offset))),
                Updates.combine(
                        Updates.set("publishedOffset", offset),
                        Updates.set("publishedVersion", version),
                        Updates.set("unpublished", true)));
        twins.updateOne(
                Filters.and(
                        Filters.eq("_id", deviceId),
                        Filters.eq("version", version),
                        Filters.eq("publishedVersion", version)),
                Updates.set("unpublished", false));
    }

    /** Twins whose latest version may not be on Kafka, last changed before {@code before}. */
    List<String> unpublished(Instant before) {
        List<String> ids = new ArrayList<>();
        twins.find(Filters.and(Filters.eq("unpublished", true), Filters.lt("updatedAt", Date.from(before))))
                .projection(Projections.include("_id"))
                .limit(SWEEP_BATCH)
                .forEach(document -> ids.add(document.getString("_id")));
        return ids;
    }

    /** Twins with a delta, and when a command may next be sent for one of their components. */
    Map<String, Instant> open() {
        ensureIndex();
        Map<String, Instant> open = new TreeMap<>();
        twins.find(Filters.eq("open", true))
                .projection(Projections.include("_id", "nextAttemptAt"))
                .limit(SWEEP_BATCH * 20)
                .forEach(document -> {
                    Date next = document.getDate("nextAttemptAt");
                    open.put(document.getString("_id"), next == null ? Instant.EPOCH : next.toInstant());
                });
        return open;
    }

    private void ensureIndex() {
        if (!indexEnsured) {
            MongoIndexes.ensure(twins, Indexes.ascending("open"), "open");
            MongoIndexes.ensure(twins, Indexes.ascending("unpublished"), "unpublished");
            indexEnsured = true;
        }
    }

    private static Document toDocument(TwinState twin, Instant now) {
        Document attempts = new Document();
        twin.attempts().forEach((component, attempt) -> {
            Document entry = new Document("commandId", attempt.commandId())
                    .append("value", attempt.value())
                    .append("count", attempt.count())
                    .append("sentAt", date(attempt.sentAt()))
                    .append("notBefore", date(attempt.notBefore()));
            attempts.append(component, entry);
        });
        Document metadata =
                new Document("desired", timestamps(twin.desiredAt())).append("reported", timestamps(twin.reportedAt()));
        return new Document("_id", twin.deviceId())
                .append("deviceId", twin.deviceId())
                .append("version", twin.version())
                .append("revision", twin.revision())
                .append("desired", new Document(twin.desired()))
                .append("reported", new Document(twin.reported()))
                .append("delta", new Document(twin.delta()))
                .append("open", twin.isOpen())
                .append("nextAttemptAt", twin.nextAttemptAt(now).map(Date::from).orElse(null))
                .append("metadata", metadata)
                .append("attempts", attempts)
                .append("updatedAt", Date.from(now));
    }

    private static Document timestamps(Map<String, Instant> at) {
        Document fields = new Document();
        at.forEach((component, instant) -> fields.append(component, new Document("updatedAt", Date.from(instant))));
        return fields;
    }

    private static TwinState toState(Document document) {
        Document metadata = document.get("metadata", new Document());
        Map<String, TwinState.Attempt> attempts = new TreeMap<>();
        document.get("attempts", new Document()).forEach((component, value) -> {
            Document entry = (Document) value;
            attempts.put(
                    component,
                    new TwinState.Attempt(
                            entry.getString("commandId"),
                            entry.get("value", Number.class).doubleValue(),
                            entry.get("count", Number.class).intValue(),
                            instant(entry.getDate("sentAt")),
                            instant(entry.getDate("notBefore"))));
        });
        return new TwinState(
                document.getString("_id"),
                document.get("version", Number.class).longValue(),
                document.get("revision", Number.class).longValue(),
                numbers(document.get("desired", new Document())),
                numbers(document.get("reported", new Document())),
                instants(metadata.get("desired", new Document())),
                instants(metadata.get("reported", new Document())),
                attempts);
    }

    private static Map<String, Double> numbers(Document values) {
        Map<String, Double> numbers = new TreeMap<>();
        values.forEach((component, value) -> numbers.put(component, ((Number) value).doubleValue()));
        return numbers;
    }

    private static Map<String, Instant> instants(Document fields) {
        Map<String, Instant> instants = new TreeMap<>();
        fields.forEach((component, value) -> instants.put(component, instant(((Document) value).getDate("updatedAt"))));
        return instants;
    }

    private static Date date(Instant instant) {
        return instant == null ? null : Date.from(instant);
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}
