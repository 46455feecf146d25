package io.iotgateway.config;

/** A setting that passed type binding but cannot work; reported at start-up with its property name. */
public class InvalidConfigurationException extends RuntimeException {

    private final String property;

    public InvalidConfigurationException(String property, String problem, Throwable cause) {
        super(property + ": " + problem, cause);
        this.property = property;
    }

    public InvalidConfigurationException(String property, String problem) {
        this(property, problem, null);
    }

    public String property() {
        return property;
    }
}
