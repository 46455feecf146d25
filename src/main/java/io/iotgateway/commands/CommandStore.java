package io.iotgateway.commands;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.iotgateway.persistence.MongoIndexes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Component;

/**
 * Commands in MongoDB {@code controlCommands}, keyed by commandId. Status changes are conditional updates, so two
 * gateway replicas (or a report racing the timeout) never settle one command twice.
 */
@Component
class CommandStore {

    /** Settling returns the command as settled, so it is read in the same round trip. */
    private static final FindOneAndUpdateOptions SETTLED =
            new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);

    private static final int EXPIRY_BATCH = 200;

    private final MongoCollection<Document> commands;
    private volatile boolean indexEnsured;

    CommandStore(MongoClient mongo, MongoProperties mongoProperties, CommandProperties properties) {
        this.commands =
                mongo.getDatabase(mongoProperties.getMongoClientDatabase()).getCollection(properties.collection());
    }

    /** Stores a new command; if one with this id exists already, returns that one instead. */
    Command insertIfAbsent(Command command) {
        ensureIndex();
        try {
            commands.insertOne(toDocument(command));
            return command;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return find(command.commandId()).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    Optional<Command> find(String commandId) {
        return Optional.ofNullable(commands.find(Filters.eq("_id", commandId)).first())
                .map(CommandStore::toCommand);
    }

    List<Command> forDevice(String deviceId, int limit) {
        List<Command> found = new ArrayList<>();
        commands.find(Filters.eq("deviceId", deviceId))
                .sort(Sorts.descending("timestamp"))
                .limit(limit)
                .forEach(document -> found.add(toCommand(document)));
        return found;
    }

    void markPublished(String commandId, Instant at) {
        commands.updateOne(Filters.eq("_id", commandId), Updates.set("publishedAt", Date.from(at)));
    }

    /** The command could not be handed to the MQTT broker; the caller was told. */
    void markUndeliverable(String commandId, String reason) {
        commands.updateOne(
                Filters.and(Filters.eq("_id", commandId), Filters.eq("status", CommandStatus.PENDING.name())),
                Updates.combine(
                        Updates.set("status", CommandStatus.FAILED.name()),
                        Updates.set("reason", reason),
                        Updates.set("announced", true)));
    }

    /**
     * Settles a command with the device's report.
     *
     * @return the settled command, or empty when no open command has this id (unknown, or settled already)
     */
    Optional<Command> settle(
            String commandId, CommandStatus status, Map<String, Object> state, String reason, Instant reportedAt) {
        List<Bson> updates = new ArrayList<>(List.of(
                Updates.set("status", status.name()),
                Updates.set("reportedAt", Date.from(reportedAt)),
                Updates.set("state", new Document(state)),
                Updates.set("settledAt", Date.from(reportedAt)),
                Updates.set("announced", false)));
        if (reason != null) {
            updates.add(Updates.set("reason", reason));
        }
        // One round trip, and atomic: of two reports for the same command only one settles it.
        Document settled = commands.findOneAndUpdate(
                Filters.and(
                        Filters.eq("_id", commandId),
                        Filters.in("status", CommandStatus.PENDING.name(), CommandStatus.TIMED_OUT.name())),
                Updates.combine(updates),
                SETTLED);
        return Optional.ofNullable(settled).map(CommandStore::toCommand);
    }

    /** Marks overdue pending commands TIMED_OUT and returns them; they still have to be announced. */
    List<Command> expireOverdue(Instant now) {
        List<Command> expired = new ArrayList<>();
        List<Object> overdue = new ArrayList<>();
        commands.find(Filters.and(
                        Filters.eq("status", CommandStatus.PENDING.name()), Filters.lt("deadline", Date.from(now))))
                .projection(new Document("_id", 1))
                .limit(EXPIRY_BATCH)
                .forEach(document -> overdue.add(document.get("_id")));
        for (Object id : overdue) {
            Document timedOut = commands.findOneAndUpdate(
                    Filters.and(Filters.eq("_id", id), Filters.eq("status", CommandStatus.PENDING.name())),
                    Updates.combine(
                            Updates.set("status", CommandStatus.TIMED_OUT.name()),
                            Updates.set("settledAt", Date.from(now)),
                            Updates.set("announced", false)),
                    SETTLED);
            if (timedOut != null) {
                expired.add(toCommand(timedOut));
            }
        }
        return expired;
    }

    /**
     * Commands settled before {@code settledBefore} whose status change is not on Kafka yet: the announcement failed
     * or the gateway stopped in between.
     */
    List<Command> unannounced(Instant settledBefore) {
        List<Command> found = new ArrayList<>();
        commands.find(Filters.and(Filters.eq("announced", false), Filters.lt("settledAt", Date.from(settledBefore))))
                .limit(EXPIRY_BATCH)
                .forEach(document -> found.add(toCommand(document)));
        return found;
    }

    void markAnnounced(String commandId) {
        commands.updateOne(Filters.eq("_id", commandId), Updates.set("announced", true));
    }

    private void ensureIndex() {
        if (!indexEnsured) {
            MongoIndexes.ensure(
                    commands,
                    Indexes.compoundIndex(Indexes.ascending("deviceId"), Indexes.descending("timestamp")),
                    "deviceId_timestamp");
            MongoIndexes.ensure(
                    commands,
                    Indexes.compoundIndex(Indexes.ascending("status"), Indexes.ascending("deadline")),
                    "status_deadline");
            indexEnsured = true;
        }
    }

    private static Document toDocument(Command command) {
        Document document = new Document("_id", command.commandId())
                .append("commandId", command.commandId())
                .append("deviceId", command.deviceId())
                .append("component", command.component())
                .append("command", command.command())
                .append("value", command.value())
                .append("status", command.status().name())
                .append("source", command.source())
                .append("timestamp", Date.from(command.timestamp()))
                .append("deadline", Date.from(command.deadline()));
        if (command.publishedAt() != null) {
            document.append("publishedAt", Date.from(command.publishedAt()));
        }
        return document;
    }

    private static Command toCommand(Document document) {
        Document state = document.get("state", Document.class);
        Instant timestamp = instant(document, "timestamp");
        Instant publishedAt = instant(document, "publishedAt");
        Instant reportedAt = instant(document, "reportedAt");
        // Derived, not stored, so settling stays one write. A fast device can report before the publish is recorded:
        // then the round trip counts from acceptance.
        Long roundTrip = reportedAt == null
                ? null
                : Duration.between(publishedAt != null ? publishedAt : timestamp, reportedAt)
                        .toMillis();
        return new Command(
                document.getString("commandId"),
                document.getString("deviceId"),
                document.getString("component"),
                document.getString("command"),
                document.get("value", Number.class).doubleValue(),
                CommandStatus.valueOf(document.getString("status")),
                document.getString("source"),
                timestamp,
                publishedAt,
                instant(document, "deadline"),
                reportedAt,
                roundTrip,
                state,
                document.getString("reason"));
    }

    private static Instant instant(Document document, String field) {
        Date date = document.getDate(field);
        return date == null ? null : date.toInstant();
    }
}
