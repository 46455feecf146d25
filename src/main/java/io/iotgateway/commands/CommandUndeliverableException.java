package io.iotgateway.commands;

/** The command was accepted but the MQTT broker could not take it; it is stored as FAILED with the reason. */
public class CommandUndeliverableException extends RuntimeException {

    private final transient Command command;
    private final String code;

    CommandUndeliverableException(Command command, String code, String reason) {
        super(reason, null, false, false);
        this.command = command;
        this.code = code;
    }

    /** {@code mqtt-unavailable}, or {@code commands-disabled} in an instance that runs no command routes. */
    public String code() {
        return code;
    }

    public Command command() {
        return command;
    }
}
