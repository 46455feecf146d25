package io.iotgateway.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * A threshold rule: a reading of {@code sensorType} strictly above {@code above} or strictly below {@code below} also
 * produces an alert record.
 */
public record AlertRuleProperties(
        @NotBlank @Pattern(regexp = "[a-z0-9]+(-[a-z0-9]+)*", message = "must be kebab-case, e.g. heartrate-high")
                String name,
        @NotBlank String sensorType,
        Double above,
        Double below) {

    @AssertTrue(message = "must set exactly one of 'above' or 'below'")
    public boolean isOneThreshold() {
        return (above == null) != (below == null);
    }
}
