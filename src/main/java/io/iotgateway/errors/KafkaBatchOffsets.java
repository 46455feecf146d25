package io.iotgateway.errors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * Commits a Kafka batch (camel-kafka batching mode with manual commit) once its records are safely somewhere: written
 * to MongoDB, or published to the dead-letter topic. Runs on the consumer's own thread, as Kafka requires.
 */
public final class KafkaBatchOffsets {

    private KafkaBatchOffsets() {}

    /** True when the body is a batch of Kafka record exchanges. */
    public static boolean isBatch(Object body) {
        return body instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Exchange;
    }

    /** Commits, per partition, the offset after the batch's last record. */
    public static void commit(List<?> batch) {
        Map<String, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Object item : batch) {
            Exchange record = (Exchange) item;
            KafkaManualCommit commit =
                    record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                lastPerPartition.put(
                        record.getMessage().getHeader(KafkaConstants.TOPIC, String.class) + "/"
                                + record.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class),
                        commit);
            }
        }
        lastPerPartition.values().forEach(KafkaManualCommit::commit);
    }
}
