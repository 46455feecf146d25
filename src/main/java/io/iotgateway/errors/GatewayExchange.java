package io.iotgateway.errors;

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

    private GatewayExchange() {}
}
