package io.iotgateway.commands;

/** Where a command stands. PENDING until the device reports or the timeout passes. */
public enum CommandStatus {
    PENDING,
    ACKED,
    FAILED,
    TIMED_OUT;

    public boolean isOpen() {
        // a late report still tells what the device did, so a timed-out command can be settled afterwards
        return this == PENDING || this == TIMED_OUT;
    }
}
