package io.iotgateway.support;

import java.util.Locale;

/** What one load run measured. Latency is from the publisher's send to the consumer's receipt. */
public record LoadResult(
        String name,
        long sent,
        long received,
        long lost,
        long duplicated,
        long outOfOrder,
        double throughputPerSecond,
        double p50Millis,
        double p99Millis,
        double maxMillis) {

    public String row() {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %d | %d | %d |",
                name,
                sent,
                received,
                throughputPerSecond,
                p50Millis,
                p99Millis,
                maxMillis,
                lost,
                duplicated,
                outOfOrder);
    }

    public static String header() {
        return "| run | sent | received | msg/s | p50 ms | p99 ms | max ms | lost | duplicated | out of order |\n"
                + "|---|---|---|---|---|---|---|---|---|---|";
    }
}
