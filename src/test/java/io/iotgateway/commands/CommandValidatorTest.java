package io.iotgateway.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandValidatorTest {

    private final CommandValidator validator = new CommandValidator(Map.of(
            "fan", new CommandProperties.Component(0.0, 100.0),
            "incline", new CommandProperties.Component(-10.0, 20.0)));

    @Test
    void acceptsTheSeedCommandExample() {
        CommandRequest request = validate(
                "000001",
                "fan",
                "{\"deviceId\":\"000001\",\"command\":\"setSpeed\",\"value\":75,"
                        + "\"timestamp\":\"2024-01-14T15:32:02.444Z\"}");

        assertThat(request).isEqualTo(new CommandRequest("generated", "000001", "fan", "setSpeed", 75.0));
    }

    @Test
    void takesTargetAndIdFromTheBodyWhenTheTopicIsGeneric() {
        CommandRequest request = validate(
                null,
                null,
                "{\"commandId\":\"c-1\",\"deviceId\":\"d1\",\"component\":\"incline\",\"command\":\"setIncline\","
                        + "\"value\":-10}");

        assertThat(request).isEqualTo(new CommandRequest("c-1", "d1", "incline", "setIncline", -10.0));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "above range      | fan     | {\"command\":\"setSpeed\",\"value\":100.5}     | VALUE_OUT_OF_RANGE",
                "below range      | incline | {\"command\":\"setIncline\",\"value\":-11}     | VALUE_OUT_OF_RANGE",
                "unknown part     | sunroof | {\"command\":\"open\",\"value\":1}             | UNKNOWN_COMPONENT",
                "not an object    | fan     | [1,2]                                         | INVALID_COMMAND",
                "trailing tokens  | fan     | {\"command\":\"a\",\"value\":1} {}             | INVALID_COMMAND",
                "duplicate key    | fan     | {\"command\":\"a\",\"command\":\"b\",\"value\":1} | INVALID_COMMAND",
                "huge number      | fan     | {\"command\":\"a\",\"value\":1e999}            | INVALID_COMMAND",
                "no command       | fan     | {\"value\":1}                                 | INVALID_COMMAND",
                "bad command name | fan     | {\"command\":\"1up\",\"value\":1}              | INVALID_COMMAND",
                "bad command id   | fan     | {\"command\":\"a\",\"value\":1,\"commandId\":\"a b\"} | INVALID_COMMAND",
                "other component  | fan     | {\"command\":\"a\",\"value\":1,\"component\":\"incline\"} | INVALID_COMMAND",
                "other device     | fan     | {\"command\":\"a\",\"value\":1,\"deviceId\":\"x\"} | DEVICE_ID_MISMATCH",
            })
    void rejectsWithTheReason(String name, String component, String body, RejectReason reason) {
        assertThatThrownBy(() -> validate("000001", component, body))
                .isInstanceOf(MessageRejectedException.class)
                .satisfies(
                        e -> assertThat(((MessageRejectedException) e).reason()).isEqualTo(reason))
                .hasMessageNotContaining("Exception");
    }

    @Test
    void rejectsAnInvalidDeviceIdFromTheBody() {
        assertThatThrownBy(() -> validate(null, "fan", "{\"deviceId\":\"a b\",\"command\":\"a\",\"value\":1}"))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("deviceId 'a b'");
        assertThatThrownBy(() -> validate(null, "fan", "{\"deviceId\":\"a/b/c/d\",\"command\":\"a\",\"value\":1}"))
                .hasMessageContaining("deviceId 'a/b/c/d'");
    }

    @Test
    void aSparkplugDeviceTakesTheMetricsOfItsBirthAsComponents() {
        CommandValidator sparkplug = new CommandValidator(
                Map.of(), (device, metric) -> "Pressure".equals(metric) ? Optional.of("Float") : Optional.empty());
        CommandRequest request = sparkplug.validate(
                "plant-1/gw-1/pump-1", "Pressure", "{\"command\":\"set\",\"value\":3.5}".getBytes(), () -> "id");
        assertThat(request.value()).isEqualTo(3.5);
        assertThatThrownBy(() -> sparkplug.validate(
                        "plant-1/gw-1/pump-1", "Speed", "{\"command\":\"set\",\"value\":1}".getBytes(), () -> "id"))
                .isInstanceOfSatisfying(MessageRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(RejectReason.UNKNOWN_COMPONENT));
    }

    @Test
    void aSparkplugMetricTakesTheNumbersItsDataTypeHolds() {
        Map<String, String> types = Map.of("Level", "Int8", "Count", "UInt8", "Speed", "Int32", "Name", "String");
        CommandValidator sparkplug =
                new CommandValidator(Map.of(), (device, metric) -> Optional.ofNullable(types.get(metric)));
        BiFunction<String, String, RejectReason> reasonFor = (metric, value) -> {
            try {
                sparkplug.validate(
                        "plant-1/gw-1/pump-1",
                        metric,
                        ("{\"command\":\"set\",\"value\":" + value + "}").getBytes(StandardCharsets.UTF_8),
                        () -> "id");
                return null;
            } catch (MessageRejectedException e) {
                return e.reason();
            }
        };
        assertThat(reasonFor.apply("Level", "127")).isNull();
        assertThat(reasonFor.apply("Level", "-128")).isNull();
        assertThat(reasonFor.apply("Level", "300")).isEqualTo(RejectReason.VALUE_OUT_OF_RANGE); // would wrap to 44
        assertThat(reasonFor.apply("Count", "-1")).isEqualTo(RejectReason.VALUE_OUT_OF_RANGE);
        assertThat(reasonFor.apply("Count", "255")).isNull();
        assertThat(reasonFor.apply("Speed", "2.5")).isEqualTo(RejectReason.VALUE_OUT_OF_RANGE);
        assertThat(reasonFor.apply("Name", "1")).isEqualTo(RejectReason.INVALID_COMMAND);
        assertThatThrownBy(() -> sparkplug.validate(
                        "plant-1/gw-1/pump-1", "Level", "{\"command\":\"set\",\"value\":300}".getBytes(), () -> "id"))
                .hasMessageContaining("outside the range of Level: -128 to 127");
    }

    @Test
    void rejectsOversizedBodies() {
        String body =
                "{\"command\":\"a\",\"value\":1,\"timestamp\":\"" + "x".repeat(CommandValidator.MAX_BODY_BYTES) + "\"}";
        assertThatThrownBy(() -> validate("d", "fan", body)).hasMessageContaining("at most 16384");
    }

    private CommandRequest validate(String deviceId, String component, String body) {
        return validator.validate(deviceId, component, body.getBytes(StandardCharsets.UTF_8), () -> "generated");
    }
}
