package io.iotgateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.iotgateway.IotGatewayApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A bad setting stops the application at start, naming the property and what was expected. */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationFailFastTest {

    /** A family of its own on the command line replaces the configured list, as any list setting does. */
    private static final String FAMILY = "gateway.families[0].name=probe;gateway.families[0].topic=probe/{deviceId};"
            + "gateway.families[0].schema=classpath:schemas/families/devices.schema.json;"
            + "gateway.families[0].readings[0].value-field=value;gateway.families[0].readings[0].sensor-type=t";

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "gateway.topics.telemetry=not a topic | gateway.topics.telemetry | must be a Kafka topic name",
                "gateway.mqtt.broker-url=localhost:1883 | gateway.mqtt.brokerUrl | tcp://localhost:1883",
                "gateway.ingest.max-payload-bytes=0 | gateway.ingest.maxPayloadBytes | positive number of bytes",
                "gateway.ingest.rate-limit.per-device=-1 | gateway.ingest.rateLimit.perDevice | 0 (off) or a number",
                "gateway.ingest.lanes=-1 | gateway.ingest.lanes | must be 0 (on the MQTT client's thread) or a number",
                "gateway.families[0].topic=probe/{deviceId | gateway.families[0].topic | expected literal text",
                "gateway.families[0].schema=classpath:nope.json | gateway.families[0].schema | no JSON Schema at",
                "gateway.families[0].name=Probe | gateway.families[0].name | must be kebab-case",
                "gateway.families[0].topic=probe/x | gateway.families[0] | expected a device id source",
                "gateway.analytics.window=0s | gateway.analytics.window | at least 1s",
                "gateway.analytics.allowed-lateness=-1m | gateway.analytics.allowedLateness | 0s or more",
                "gateway.analytics.session-topic=bike sessions | gateway.analytics.sessionTopic | Kafka topic name",
                "gateway.commands.report-lanes=0 | gateway.commands.reportLanes | must be greater than or equal to 1",
                "gateway.commands.enabled=false | gateway.twins.enabled | need gateway.commands.enabled=true",
            })
    void badSettingNamesItsKey(String settings, String key, String expected, CapturedOutput output) {
        assertThat(start(settings.startsWith("gateway.families") ? FAMILY + ";" + settings : settings))
                .isNotNull();

        // What the operator sees: Spring Boot's failure report, not a stack trace to dig through.
        String report = output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(key).contains(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                // a family file: the file, the line and the key
                "probe.family.yaml | 'topic: probe/{deviceId\nschema: classpath:schemas/families/devices.schema.json\n"
                        + "readings:\n  - { sensor-type: t, value-field: value }\n' "
                        + "| routes/probe.family.yaml: line 1: topic: 'probe/{deviceId' has an invalid level",
                "probe.family.yaml | 'topic: probe/{deviceId}\nschema: classpath:schemas/families/devices.schema.json\n"
                        + "readings:\n  - { sensor-type: t, value-fild: value }\n' "
                        + "| routes/probe.family.yaml: line 4: Unrecognized field \"value-fild\"",
                "probe.family.yaml | 'topic: probe/{deviceId}\nschema: classpath:schemas/families/devices.schema.json\n"
                        + "readings:\n  - { sensor-type: t, value-field: value }\ntwin-reported:\n  t: fan speed\n' "
                        + "| routes/probe.family.yaml: line 5: twin-reported.t: expected sensor type: component",
                // a protobuf family names its compiled descriptor set, not .proto source
                "probe.family.yaml | 'topic: probe/{deviceId}\nformat: protobuf\ndescriptor: probe.proto\n"
                        + "message-type: probe.Reading\nreadings:\n  - { sensor-type: t, value-field: value }\n' "
                        + "| probe.proto' is .proto source; the gateway reads the compiled descriptor set",
                // a Sparkplug B family maps every metric itself
                "probe.family.yaml | 'format: sparkplug\nreadings:\n  - { sensor-type: t, value-field: value }\n' "
                        + "| routes/probe.family.yaml: line 2: readings: not for",
                // a route file: the file, the line and the reason
                "bad.camel.yaml | '- route:\n    id: routing-forward-bad\n    routeConfigurationId: gateway-error-policy\n"
                        + "    from:\n      uri: direct:bad\n      steps:\n        - to: kafak:nowhere\n' "
                        + "| routes/bad.camel.yaml: line 7: endpoint 'kafak:nowhere': unknown component 'kafak'",
            })
    void invalidFileShippedAtStartStopsTheStart(String name, String content, String expected, CapturedOutput output)
            throws IOException {
        Path routes = Files.createDirectories(
                Path.of("target", "fail-fast", UUID.randomUUID().toString(), "routes"));
        for (String family : List.of("devices.family.yaml", "bike.family.yaml")) {
            Files.copy(Path.of("routes", family), routes.resolve(family));
        }
        Files.writeString(routes.resolve(name), content);

        assertThat(start("gateway.routes.directory=" + routes.toAbsolutePath())).isNotNull();

        String report = output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(expected);
    }

    @Test
    void loggingIsConfiguredByTheGatewaysOwnFileNotByOneOnTheClassPath() throws IOException {
        // tahu-core ships a logback.xml that sets the root logger to TRACE. Logback configures itself from the first
        // one on the class path for the lines before Spring Boot applies logging.config: it must be the gateway's.
        ClassLoader classPath = getClass().getClassLoader();
        assertThat(Collections.list(classPath.getResources("logback.xml"))).hasSizeGreaterThan(1);
        assertThat(classPath.getResource("logback.xml").toString())
                .isEqualTo(IotGatewayApplication.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                        + "logback.xml");
        // One Commons Logging API (Spring's spring-jcl), not a commons-logging jar beside it, which made every start
        // print a warning.
        assertThat(Collections.list(classPath.getResources("org/apache/commons/logging/LogFactory.class")))
                .hasSize(1);
        try (var context = new SpringApplicationBuilder(IotGatewayApplication.class)
                .web(WebApplicationType.NONE)
                .run(
                        "--camel.main.routes-include-pattern=false",
                        "--camel.main.auto-startup=false",
                        "--spring.main.banner-mode=off",
                        "--gateway.mqtt.client-id=logging-check")) {
            LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
            Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
            // logging/plain.xml: Spring Boot's console appender, not tahu's STDOUT one, and none of the levels
            // logback-test.xml (the other file a test JVM could have picked) sets
            assertThat(root.getAppender("CONSOLE")).isNotNull();
            assertThat(root.getAppender("STDOUT")).isNull();
            assertThat(logging.getLogger("kafka").getLevel()).isNull();
            assertThat(logging.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        }
    }

    @Test
    void defaultConfigurationIsValid() {
        assertThat(start("gateway.mqtt.client-id=config-check")).isNull();
    }

    /** Starts the application without web server, Camel routes or brokers: only configuration binding. */
    private static Throwable start(String settings) {
        List<String> args = new ArrayList<>(List.of(
                "--camel.main.routes-include-pattern=false",
                "--camel.main.auto-startup=false",
                "--spring.main.banner-mode=off"));
        // later settings override earlier ones with the same key
        Map<String, String> bySetting = new LinkedHashMap<>();
        for (String setting : settings.split(";")) {
            bySetting.put(setting.substring(0, setting.indexOf('=')), setting);
        }
        bySetting.values().forEach(s -> args.add("--" + s.trim()));
        try (var context = new SpringApplicationBuilder(IotGatewayApplication.class)
                .web(WebApplicationType.NONE)
                .run(args.toArray(String[]::new))) {
            return null;
        } catch (Throwable e) {
            return e;
        }
    }
}
