package io.iotgateway.errors;

/** Why a message was dead-lettered. The code is what {@code x-error-reason} carries and what metrics count. */
public enum RejectReason {
    PAYLOAD_TOO_LARGE("payload-too-large"),
    NOT_JSON("not-json"),
    /** A {@code format: protobuf} family's payload is not a message of the family's type. */
    NOT_PROTOBUF("not-protobuf"),
    SCHEMA_VIOLATION("schema-violation"),
    DEVICE_ID_MISMATCH("device-id-mismatch"),
    /** The identity the broker attached (configured MQTT 5 user property) is missing or another device's. */
    IDENTITY_MISMATCH("identity-mismatch"),
    /** A topic of a family's shape whose id levels are unusable (empty, too long, characters outside Identifiers). */
    INVALID_TOPIC("invalid-topic"),
    /** The device sends faster than its allowance (gateway.ingest.rate-limit, or the family's rate-limit). */
    RATE_LIMITED("rate-limited"),
    UNKNOWN_FAMILY("unknown-family"),
    /** Sparkplug B: a metric alias the edge node's or device's BIRTH did not announce (or no BIRTH was seen). */
    SPARKPLUG_UNKNOWN_ALIAS("sparkplug-unknown-alias"),
    /** Sparkplug B: a {@code seq} gap; the edge node's data is unusable until its next NBIRTH. */
    SPARKPLUG_OUT_OF_SEQUENCE("sparkplug-out-of-sequence"),
    INVALID_RECORD("invalid-record"),
    INVALID_COMMAND("invalid-command"),
    UNKNOWN_COMPONENT("unknown-component"),
    VALUE_OUT_OF_RANGE("value-out-of-range"),
    INVALID_REPORT("invalid-report"),
    PROCESSING_FAILED("processing-failed");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
