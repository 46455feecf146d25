package io.iotgateway.deadletters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.kafka.KafkaClients;
import io.iotgateway.kafka.RecordHeaders;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.KafkaHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.stereotype.Service;

/**
 * Re-injects dead letters into the ingest pipeline once an operator has fixed why they were rejected. Only records
 * holding a device's message as MQTT delivered it qualify ({@code x-replayable}); a command or report is never replayed
 * (a stale command must not reach an actuator).
 *
 * <p>Idempotent: every record that passes is entered in a ledger (MongoDB, keyed by the dead letter's topic, partition
 * and offset) and skipped by later replays. The entry is written after the message is in Kafka, so a crash in between
 * can repeat a record in Kafka, never lose it; MongoDB still stores it once (same message id). A record rejected again
 * stays in the dead-letter topic as it is, with no new dead letter, and can be replayed after the next fix.
 */
@Service
class DeadLetterReplay {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration READ_DEADLINE = Duration.ofMinutes(2);
    private static final int MAX_LISTED_REJECTIONS = 100;

    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final MongoCollection<Document> ledger;
    private final String topic;
    private final int maxRecords;
    private final Clock clock;
    private final ObjectMapper json;

    DeadLetterReplay(
            CamelContext camel,
            ProducerTemplate producer,
            MongoClient mongo,
            MongoProperties mongoProperties,
            GatewayProperties properties,
            Clock clock,
            ObjectMapper json) {
        this.json = json;
        this.camel = camel;
        this.producer = producer;
        this.ledger = mongo.getDatabase(mongoProperties.getMongoClientDatabase())
                .getCollection(properties.errors().replayCollection());
        this.topic = properties.topics().deadLetter();
        this.maxRecords = properties.errors().replayMaxRecords();
        this.clock = clock;
    }

    int maxRecords() {
        return maxRecords;
    }

    /** Which dead letters to replay; null fields select everything. */
    record Selection(String reason, String deviceId, Instant from, Instant to, int limit, boolean dryRun) {}

    /** One dead letter that was rejected again, for the operator. */
    record Rejection(int partition, long offset, String deviceId, String reason, String detail) {}

    record Report(
            long scanned,
            long matched,
            long passed,
            long alreadyReplayed,
            long rejected,
            Map<String, Long> rejectedByReason,
            List<Rejection> rejections,
            long notReplayable,
            boolean limitReached,
            boolean dryRun) {}

    /** One replay at a time per instance: two overlapping replays of the same records would both pass the ledger. */
    synchronized Report replay(Selection selection) {
        Tally tally = new Tally(selection.dryRun());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            // What is in the topic now; dead letters arriving during the replay are left for the next one.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            seekToStart(consumer, partitions, selection.from());
            Instant deadline = clock.instant().plus(READ_DEADLINE);
            while (!caughtUp(consumer, end) && !tally.limitReached) {
                if (clock.instant().isAfter(deadline)) {
                    throw new IllegalStateException("reading " + topic + " took longer than " + READ_DEADLINE);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= end.get(partition) || tally.limitReached) {
                        continue;
                    }
                    tally.scanned++;
                    if (selected(record, selection)) {
                        if (tally.matched == selection.limit()) {
                            tally.limitReached = true;
                        } else {
                            tally.matched++;
                            replay(record, tally);
                        }
                    }
                }
            }
        }
        return tally.report();
    }

    private void replay(ConsumerRecord<String, byte[]> record, Tally tally) {
        if (!"true".equals(header(record, DeadLetterRecords.HEADER_REPLAYABLE))) {
            tally.notReplayable++;
            return;
        }
        String id = record.topic() + "/" + record.partition() + "/" + record.offset();
        if (ledger.countDocuments(new Document("_id", id)) > 0) {
            tally.alreadyReplayed++;
            return;
        }
        if (tally.dryRun) {
            tally.passed++; // would be re-injected
            return;
        }
        MqttProperties properties = new MqttProperties();
        try {
            properties.setUserProperties(
                    DeadLetterRecords.userProperties(json, header(record, DeadLetterRecords.HEADER_USER_PROPERTIES)));
        } catch (JsonProcessingException e) {
            tally.notReplayable++; // not a header this gateway wrote
            return;
        }
        Exchange result = producer.send(GatewayExchange.REPLAY_ENDPOINT, exchange -> {
            exchange.setProperty(GatewayExchange.REPLAYED, true);
            exchange.getMessage().setBody(record.value());
            exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_TOPIC, header(record, KafkaHeaders.SOURCE_TOPIC));
            exchange.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, properties);
        });
        Exception failure = result.getException();
        if (failure instanceof MessageRejectedException rejected) {
            tally.reject(record, rejected.reason().code(), rejected.getMessage());
        } else if (failure != null) {
            // Not the message's fault (Kafka unreachable, ...): stop, so the operator sees it and replays later.
            throw new ReplayFailedException(tally.report(), failure);
        } else {
            enter(id, record);
            tally.passed++;
        }
    }

    private void enter(String id, ConsumerRecord<String, byte[]> record) {
        try {
            ledger.insertOne(new Document("_id", id)
                    .append("deviceId", record.key())
                    .append("reason", header(record, DeadLetterRecords.HEADER_REASON))
                    .append("replayedAt", Date.from(clock.instant())));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            // another instance replayed it at the same time; MongoDB stores the telemetry once all the same
        }
    }

    private static boolean selected(ConsumerRecord<String, byte[]> record, Selection selection) {
        Instant at = Instant.ofEpochMilli(record.timestamp());
        return (selection.reason() == null
                        || selection.reason().equals(header(record, DeadLetterRecords.HEADER_REASON)))
                && (selection.deviceId() == null || selection.deviceId().equals(record.key()))
                && (selection.from() == null || !at.isBefore(selection.from()))
                && (selection.to() == null || at.isBefore(selection.to()));
    }

    private static void seekToStart(
            KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions, Instant from) {
        if (from == null) {
            consumer.seekToBeginning(partitions);
            return;
        }
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(p -> times.put(p, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp offset = offsets.get(partition);
            if (offset == null) {
                consumer.seekToEnd(Set.of(partition)); // nothing that recent in this partition
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** The Kafka component's client settings (brokers, TLS, SASL), as a reader with no consumer group. */
    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = KafkaClients.consumerSide(camel, ConsumerConfig.configNames());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "iot-gateway-dead-letter-replay");
        return config;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return RecordHeaders.text(record.headers(), name);
    }

    private static final class Tally {
        final boolean dryRun;
        long scanned;
        long matched;
        long passed;
        long alreadyReplayed;
        long rejected;
        long notReplayable;
        boolean limitReached;
        final Map<String, Long> rejectedByReason = new TreeMap<>();
        final List<Rejection> rejections = new ArrayList<>();

        Tally(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void reject(ConsumerRecord<String, byte[]> record, String reason, String detail) {
            rejected++;
            rejectedByReason.merge(reason, 1L, Long::sum);
            if (rejections.size() < MAX_LISTED_REJECTIONS) {
                rejections.add(new Rejection(record.partition(), record.offset(), record.key(), reason, detail));
            }
        }

        Report report() {
            return new Report(
                    scanned,
                    matched,
                    passed,
                    alreadyReplayed,
                    rejected,
                    Map.copyOf(rejectedByReason),
                    List.copyOf(rejections),
                    notReplayable,
                    limitReached,
                    dryRun);
        }
    }

    /** A replay stopped by a failure that is not the message's (a broker down): what was done up to then. */
    static final class ReplayFailedException extends RuntimeException {
        private final transient Report progress;

        ReplayFailedException(Report progress, Throwable cause) {
            super(cause.getMessage(), cause);
            this.progress = progress;
        }

        Report progress() {
            return progress;
        }
    }
}
