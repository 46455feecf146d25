package io.iotgateway.persistence;

import com.mongodb.client.model.WriteModel;
import io.iotgateway.deadletters.RejectedRecords;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.kafka.KafkaBatchOffsets;
import io.iotgateway.kafka.RecordHeadersIgnored;
import io.iotgateway.telemetry.GatewayExchange;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.bson.Document;

/**
 * The one way Kafka records become MongoDB documents (telemetry, analytics results): a batch of records, one write
 * per record, a record no write can be made of dead-lettered on its own, one bulk write, and the batch's offsets
 * committed only after it. Redelivered batches are harmless because every write is keyed by a deterministic id.
 */
public final class KafkaToMongo {

    /** Turns one record's bytes into its write. */
    @FunctionalInterface
    public interface Mapping {

        /** @throws MessageRejectedException when the record can never be stored (it is dead-lettered) */
        WriteModel<Document> toWrite(byte[] body);
    }

    private static final String BATCH = "gateway.kafkaBatch";

    private KafkaToMongo() {}

    /**
     * Defines the route {@code routeId}: {@code topic} (read committed, in batches of {@code maxRecords}, a Camel
     * placeholder or number) to {@code database.collection}.
     */
    public static void route(
            RouteBuilder builder,
            String routeId,
            String topic,
            String groupId,
            String maxRecords,
            String database,
            String collection,
            Processor toWrites) {
        builder.from("kafka:" + topic
                        + "?groupId=" + groupId
                        + "&isolationLevel=read_committed"
                        + "&batching=true"
                        + "&maxPollRecords=" + maxRecords
                        + "&batchingIntervalMs=100"
                        + "&autoCommitEnable=false"
                        + "&allowManualCommit=true"
                        + "&breakOnFirstError=true"
                        + "&autoOffsetReset=earliest"
                        + RecordHeadersIgnored.OPTION)
                .routeId(routeId)
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(toWrites)
                .filter(builder.simple("${body.size} > 0"))
                .to("mongodb:mongo?database=" + database + "&collection=" + collection + "&operation=bulkWrite")
                .end()
                .process(KafkaToMongo::commit);
    }

    /** Replaces the batch in the exchange body by its writes; rejected records go to the dead-letter topic. */
    public static List<WriteModel<Document>> toWrites(Exchange exchange, ProducerTemplate producer, Mapping mapping) {
        List<?> batch = exchange.getMessage().getBody(List.class);
        exchange.setProperty(BATCH, batch);
        List<WriteModel<Document>> writes = new ArrayList<>(batch.size());
        for (Object item : batch) {
            Exchange record = (Exchange) item;
            byte[] body = record.getMessage().getBody(byte[].class);
            try {
                writes.add(mapping.toWrite(body));
            } catch (MessageRejectedException e) {
                RejectedRecords.deadLetter(
                        producer,
                        record.getMessage().getHeader(KafkaConstants.TOPIC, String.class),
                        record.getMessage().getHeader(KafkaConstants.KEY, String.class),
                        body,
                        e);
            }
        }
        exchange.getMessage().setBody(writes);
        return writes;
    }

    private static void commit(Exchange exchange) {
        KafkaBatchOffsets.commit(exchange.getProperty(BATCH, List.class));
    }
}
