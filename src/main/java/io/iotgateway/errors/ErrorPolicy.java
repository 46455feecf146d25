package io.iotgateway.errors;

import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.GatewayExchange;
import java.net.ConnectException;
import org.apache.camel.LoggingLevel;
import org.apache.camel.ValidationException;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.kafka.common.errors.RetriableException;
import org.springframework.stereotype.Component;

/**
 * The gateway's single error policy. Routes opt in with {@code routeConfigurationId(ERROR_POLICY)}.
 *
 * <ul>
 *   <li>A rejected message (bad payload, unknown topic, a failed check in a YAML route or Kamelet) goes straight to the
 *       dead-letter topic with its reason.
 *   <li>A broker that is unavailable is not the message's fault: the exchange is redelivered with exponential back-off,
 *       by default until it succeeds. Meanwhile MQTT messages stay un-acknowledged and Kafka offsets uncommitted, so
 *       the brokers hold the backlog and nothing is lost.
 *   <li>So is a hook route that is missing for the moment (starting, or swapped by a reload).
 *   <li>Anything else is retried a few times, then dead-lettered with reason {@code processing-failed}.
 * </ul>
 *
 * If the dead-letter topic itself cannot be written, the exchange fails instead of being swallowed: the MQTT message
 * is not acknowledged and the broker redelivers it when the session resumes.
 */
@Component
class ErrorPolicy extends RouteConfigurationBuilder {

    private final GatewayProperties.Errors errors;

    ErrorPolicy(GatewayProperties properties) {
        this.errors = properties.errors();
    }

    @Override
    public void configuration() {
        var policy = routeConfiguration(GatewayExchange.ERROR_POLICY);
        policy.errorHandler(deadLetterChannel(GatewayExchange.DEAD_LETTER_ENDPOINT)
                .deadLetterHandleNewException(false)
                .useOriginalMessage()
                .maximumRedeliveries(errors.maxRedeliveries())
                .redeliveryDelay(errors.redeliveryDelay().toMillis())
                .useExponentialBackOff()
                .backOffMultiplier(2)
                .maximumRedeliveryDelay(errors.maxRedeliveryDelay().toMillis())
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .retriesExhaustedLogLevel(LoggingLevel.WARN)
                .logExhaustedMessageHistory(false));

        // A check in a YAML route or Kamelet (validate EIP, JSON Schema validator) is a reject too: it cannot pass
        // later.
        policy.onException(MessageRejectedException.class, ValidationException.class)
                .maximumRedeliveries(0);

        // Writes MongoDB itself labels retryable (e.g. during a primary election) are transient too.
        transientFailure(policy.onException(MongoException.class)
                .onWhen(exchange -> exchange.getException(MongoException.class) != null
                        && exchange.getException(MongoException.class).hasErrorLabel("RetryableWriteError")));

        transientFailure(policy.onException(
                RetriableException.class,
                MongoSocketException.class,
                MongoTimeoutException.class,
                MongoNotPrimaryException.class,
                MongoNodeIsRecoveringException.class,
                ConnectException.class));

        // A hook route that is not there yet (still starting) or is being swapped by a reload is the gateway's state,
        // not the message's fault: the message waits, un-acknowledged, instead of being dead-lettered.
        transientFailure(policy.onException(DirectConsumerNotAvailableException.class));
    }

    private void transientFailure(OnExceptionDefinition clause) {
        clause.maximumRedeliveries(errors.transientMaxRedeliveries())
                .redeliveryDelay(errors.redeliveryDelay().toMillis())
                .useExponentialBackOff()
                .backOffMultiplier(2)
                .maximumRedeliveryDelay(errors.maxRedeliveryDelay().toMillis())
                .retryAttemptedLogLevel(LoggingLevel.WARN);
    }
}
