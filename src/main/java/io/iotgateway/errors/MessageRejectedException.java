package io.iotgateway.errors;

/**
 * A message that can never succeed as it is: it is dead-lettered at once, without redelivery. Its message is the
 * precise reason given to the operator, so it must never contain a stack trace or internal detail.
 */
public class MessageRejectedException extends RuntimeException {

    private final RejectReason reason;

    public MessageRejectedException(RejectReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
