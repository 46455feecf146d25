package io.iotgateway.commands;

/** The command was accepted but the MQTT broker could not take it; it is stored as FAILED with the reason. */
public class CommandUndeliverableException extends RuntimeException {

    private final transient Command command;

    CommandUndeliverableException(Command command, String reason) {
        super(reason, null, false, false);
        this.command = command;
    }

    public Command command() {
        return command;
    }
}
