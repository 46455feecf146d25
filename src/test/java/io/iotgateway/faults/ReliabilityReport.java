package io.iotgateway.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

/** The fault suite's figures as the Markdown table of docs/reliability.md, with the machine and date of the run. */
final class ReliabilityReport {

    private ReliabilityReport() {}

    static void write(List<Scenario.Outcome> outcomes, Path file) {
        var os = ManagementFactory.getOperatingSystemMXBean();
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "Run %s on %d cores, %s %s, Java %s; %d devices x %d msg/s at QoS 1, every %dth message invalid;"
                        + " backlog phases from %d more devices.%n%n",
                LocalDate.now(),
                os.getAvailableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                Scenario.DEVICES,
                Scenario.RATE_PER_DEVICE,
                Scenario.INVALID_EVERY,
                Scenario.BACKLOG_DEVICES));
        out.append("| scenario | fault | length | acknowledged to devices | not acknowledged (device gave up) |"
                + " dead-lettered | lost | duplicated in Kafka | lost in MongoDB | duplicated in MongoDB | out of order"
                + " | recovery: Kafka | recovery: MongoDB | also measured |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Scenario.Outcome o : outcomes) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |%n",
                    o.scenario(),
                    o.fault(),
                    seconds(o.faultLength()),
                    o.acknowledged(),
                    o.deviceFailures(),
                    o.deadLettered(),
                    o.lostInKafka(),
                    o.duplicatedInKafka(),
                    o.lostInMongo(),
                    o.duplicatedInMongo(),
                    o.outOfOrder(),
                    seconds(o.recoveryKafka()),
                    seconds(o.recoveryMongo()),
                    o.measured()));
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print(out);
    }

    private static String seconds(Duration duration) {
        if (duration == null) {
            return "not recovered";
        }
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }
}
