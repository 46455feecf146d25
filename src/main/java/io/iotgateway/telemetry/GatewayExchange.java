package io.iotgateway.telemetry;

/** Exchange properties that survive {@code useOriginalMessage()} and tell the dead-letter channel what is known. */
public final class GatewayExchange {

    public static final String RECEIVED_AT = "gateway.receivedAt";
    public static final String SOURCE_TOPIC = "gateway.sourceTopic";
    public static final String DEVICE_ID = "gateway.deviceId";
    public static final String FAMILY = "gateway.family";
    /** The id the device gave its message (MQTT 5 user property message-id), for tracing a dead letter back. */
    public static final String MESSAGE_ID = "gateway.messageId";

    /** The one route configuration every gateway route opts into. */
    public static final String ERROR_POLICY = "gateway-error-policy";

    /** Where the error policy sends what cannot be delivered. */
    public static final String DEAD_LETTER_ENDPOINT = "direct:errors-dead-letter";

    /** Set (true) on a dead letter an operator replays. */
    public static final String REPLAYED = "gateway.replayed";

    /** Where a replayed dead letter re-enters the ingest pipeline (an MQTT topic header and the original bytes). */
    public static final String REPLAY_ENDPOINT = "direct:ingest-replay";

    private GatewayExchange() {}
}
