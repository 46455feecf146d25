package io.iotgateway.support;

import io.iotgateway.IotGatewayApplication;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as an operating-system process of its own (what the production jar holds, the test profile), for faults that need
 * a process boundary: a hard kill (SIGKILL, nothing runs on the way out) and a SIGTERM (the graceful shutdown a
 * container runtime asks for). Its output goes to a log file. Nothing is switched off here (JMX included): callers
 * set addresses and what they must, the rest is the shipped configuration with the test profile.
 */
public final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private GatewayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the gateway with {@code settings} as command-line properties (they outrank application.yaml). With
     * {@code -Dgateway.jar=<path>} every gateway process runs from that jar instead of its classes and dependencies.
     */
    public static GatewayProcess start(Map<String, String> settings, Path log) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spring.profiles.active", "test");
        all.putAll(settings);
        // Two cores are shared with the test JVM and its brokers: a small heap and a cheap collector.
        return start(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), all, log);
    }

    /**
     * Starts the gateway as a user runs it: the JVM's defaults and the shipped configuration, no test profile; only
     * {@code settings} (broker addresses and what the benchmark turns off) differ. {@code -Dgateway.jvmOptions} adds
     * JVM options (space-separated), e.g. {@code -XX:StartFlightRecording=filename=/tmp/{name}.jfr} to profile it;
     * {@code {name}} stands for the log file's name without its extension, so each gateway writes its own recording.
     */
    public static GatewayProcess startAsShipped(Map<String, String> settings, Path log) {
        String logName = log.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String options = System.getProperty("gateway.jvmOptions", "").strip().replace("{name}", logName);
        return start(options.isEmpty() ? List.of() : List.of(options.split("\\s+")), settings, log);
    }

    /** Starts the gateway as {@link #startAsShipped} does, from {@code jar} with {@code jvmOptions} (start-up runs). */
    public static GatewayProcess startJar(Path jar, List<String> jvmOptions, Map<String, String> settings, Path log) {
        return start(jvmOptions, jar.toString(), settings, log);
    }

    private static GatewayProcess start(List<String> jvmOptions, Map<String, String> settings, Path log) {
        return start(jvmOptions, System.getProperty("gateway.jar", "").strip(), settings, log);
    }

    /** @param jar the jar to run, or empty for the application's classes and dependencies */
    private static GatewayProcess start(List<String> jvmOptions, String jar, Map<String, String> settings, Path log) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.port", "0");
        all.putAll(settings);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        if (jar.isEmpty()) {
            // What the production jar holds: the application's classes and runtime dependencies, no test library.
            command.addAll(List.of("-cp", productionClassPath(), IotGatewayApplication.class.getName()));
        } else {
            command.addAll(List.of("-jar", Path.of(jar).toAbsolutePath().toString()));
        }
        // The test profile's file (test credentials) from the test classes, which are not on either class path.
        all.put(
                "spring.config.additional-location",
                "optional:file:" + Path.of("target", "test-classes").toAbsolutePath() + "/");
        all.forEach((key, value) -> command.add("--" + key + "=" + value));
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            // Should the test JVM end without closing it (a killed fork), the gateway must not outlive it.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "gateway-process-reaper"));
            return new GatewayProcess(process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the gateway process", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** SIGKILL: no shutdown hook, no drain, connections dropped by the kernel. Waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM: the graceful shutdown. Waits (bounded) until the process has exited and returns its exit code. */
    public int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** Waits (bounded) until the process has exited by itself and returns its exit code; kills it after the wait. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "gateway process " + process.pid() + " did not exit within " + timeout + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    /** The application's classes and its runtime dependencies, as listed by the build (target/runtime-classpath.txt). */
    static String productionClassPath() {
        Path listed = Path.of("target", "runtime-classpath.txt");
        try {
            return Path.of("target", "classes").toAbsolutePath()
                    + File.pathSeparator
                    + Files.readString(listed).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(listed + " is missing: run the tests through Maven (it writes the file)", e);
        }
    }

    /** Surefire may start tests through a manifest-only jar; it names the real class path in its own property. */
    public static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
