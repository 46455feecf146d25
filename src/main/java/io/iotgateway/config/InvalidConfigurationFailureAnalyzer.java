package io.iotgateway.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an invalid setting into Spring Boot's start-up failure report instead of a stack trace. */
class InvalidConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
        return new FailureAnalysis(
                "Invalid configuration: " + cause.getMessage(),
                "Correct the property '" + cause.property()
                        + "' (application.yaml or its environment variable) and start again.",
                cause);
    }
}
