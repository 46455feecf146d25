package io.iotgateway.deadletters;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.telemetry.GatewayExchange;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Dead-letters one record of a Kafka batch on its own, so a record no consumer can use cannot block the rest of the
 * batch (and the batch's offsets can be committed).
 */
public final class RejectedRecords {

    private RejectedRecords() {}

    /**
     * @throws IllegalStateException when the dead-letter topic cannot take the record: the batch must then fail and
     *     be polled again, never committed
     */
    public static void deadLetter(
            ProducerTemplate producer,
            String sourceTopic,
            String deviceId,
            byte[] body,
            MessageRejectedException reason) {
        Exchange failed = producer.send(GatewayExchange.DEAD_LETTER_ENDPOINT, dead -> {
            dead.getMessage().setBody(body);
            dead.setProperty(Exchange.EXCEPTION_CAUGHT, reason);
            dead.setProperty(GatewayExchange.SOURCE_TOPIC, sourceTopic);
            dead.setProperty(GatewayExchange.DEVICE_ID, deviceId);
        });
        if (failed.getException() != null) {
            throw new IllegalStateException("cannot dead-letter an invalid record", failed.getException());
        }
    }
}
