package io.iotgateway.support;

import java.nio.file.Path;

/** One set of embedded brokers per test JVM, shared by every test class (and so by the one cached Spring context). */
public final class SharedBrokers {

    private static EmbeddedBrokers brokers;

    private SharedBrokers() {}

    public static synchronized EmbeddedBrokers get() {
        if (brokers == null) {
            Path workDir = Path.of(
                    "target",
                    "embedded-brokers",
                    "run-" + ProcessHandle.current().pid());
            brokers = EmbeddedBrokers.start(EmbeddedBrokers.Ports.random(), workDir, null);
            EmbeddedBrokers started = brokers;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception e) {
                    // the JVM is exiting; nothing left to clean up for
                }
            }));
        }
        return brokers;
    }
}
