package io.iotgateway.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a Kafka batch (camel-kafka batching mode with manual commit) once its records are safely somewhere: written
 * to MongoDB, or published to the dead-letter topic. Runs on the consumer's own thread, as Kafka requires. Committing
 * here, not through camel-kafka's batching manual commit, works around CAMEL-23994 and CAMEL-23997 (fixed in 4.22.0).
 */
public final class KafkaBatchOffsets {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchOffsets.class);

    private KafkaBatchOffsets() {}

    /** True when the body is a batch of Kafka record exchanges. */
    public static boolean isBatch(Object body) {
        return body instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Exchange;
    }

    /**
     * Commits, per partition, the offset after the batch's last record.
     *
     * <p>A commit refused because the group moved on (the consumer's session expired, e.g. during a Kafka outage, or a
     * rebalance is under way) is given up rather than retried: no retry can succeed before the consumer polls again,
     * and the poll is what rejoins the group. The batch's records stay uncommitted, so whoever owns their partitions
     * next (this consumer, after rejoining) reads them again from the last commit; their writes are idempotent.
     */
    public static void commit(List<?> batch) {
        // Camel's commits know their partition: no header lookups and no key built per record of the batch.
        Map<Object, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Object item : batch) {
            Message record = ((Exchange) item).getMessage();
            KafkaManualCommit commit = record.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                lastPerPartition.put(
                        commit instanceof DefaultKafkaManualCommit known
                                ? known.getPartition()
                                : record.getHeader(KafkaConstants.TOPIC, String.class) + "/"
                                        + record.getHeader(KafkaConstants.PARTITION, Integer.class),
                        commit);
            }
        }
        for (Map.Entry<Object, KafkaManualCommit> partition : lastPerPartition.entrySet()) {
            try {
                partition.getValue().commit();
            } catch (CommitFailedException | RebalanceInProgressException e) {
                LOG.warn(
                        "Offsets of {} not committed, the consumer group has moved on ({}); the records after the"
                                + " last commit will be read again and stored idempotently",
                        partition.getKey(),
                        e.getClass().getSimpleName());
            }
        }
    }
}
