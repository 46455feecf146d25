package io.iotgateway.errors;

/** Why a message was dead-lettered. The code is what {@code x-error-reason} carries and what metrics count. */
public enum RejectReason {
    PAYLOAD_TOO_LARGE("payload-too-large"),
    NOT_JSON("not-json"),
    SCHEMA_VIOLATION("schema-violation"),
    DEVICE_ID_MISMATCH("device-id-mismatch"),
    UNKNOWN_FAMILY("unknown-family"),
    INVALID_RECORD("invalid-record"),
    PROCESSING_FAILED("processing-failed");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
