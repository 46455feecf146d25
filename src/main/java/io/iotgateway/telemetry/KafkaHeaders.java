package io.iotgateway.telemetry;

/** Record headers the gateway writes on every Kafka record it produces from a device message. */
public final class KafkaHeaders {

    public static final String MESSAGE_ID = "x-message-id";
    public static final String SOURCE_TOPIC = "x-source-topic";
    public static final String FAMILY = "x-family";
    public static final String RECEIVED_AT = "x-received-at";

    private KafkaHeaders() {}
}
