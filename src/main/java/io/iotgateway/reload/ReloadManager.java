package io.iotgateway.reload;

import io.iotgateway.config.InvalidConfigurationException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Loads the routes directory and the Kamelets directory at start and keeps them applied while the gateway runs. This
 * replaces Camel's own route reload (a development feature: it removes every route, does not validate and does not see
 * Kamelet edits).
 *
 * <p>The directories are polled and each file compared by content hash rather than watched for events: a Kubernetes
 * ConfigMap volume changes by swapping a {@code ..data} symlink, which neither touches the files' own timestamps nor
 * raises events for them, and polling also works on network file systems. A changed file is applied once its content
 * was the same on two scans in a row (an editor's half-written file is never loaded), so a change takes effect within
 * two poll intervals. Each file is handed to its {@link SourceHandler}, which validates it completely and swaps only
 * the routes that file defines; an invalid file is logged with its line and reason, counted
 * ({@code gateway_route_reloads_total{result="failed"}}), shown at {@code GET /api/routes}, and the running version
 * stays. At start-up an invalid file stops the application instead, like any bad configuration.
 */
@Component
public class ReloadManager implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadManager.class);

    private final List<SourceHandler> handlers;
    private final RoutesProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<Path, Tracked> tracked = new ConcurrentHashMap<>();
    private Map<Path, String> previousScan = Map.of();
    private ScheduledExecutorService poller;

    ReloadManager(List<SourceHandler> handlers, RoutesProperties properties, MeterRegistry meters, Clock clock) {
        this.handlers = handlers.stream()
                .sorted(Comparator.comparingInt(SourceHandler::order))
                .toList();
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
    }

    /** The outcome of the last attempt to apply a file. */
    public record Reload(String result, Instant at, Integer line, String error) {}

    /** One file as the manager sees it. */
    public record FileStatus(
            String file, String kind, String version, String status, List<String> routeIds, Reload lastReload) {}

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        Map<Path, String> scan = scan();
        for (Path file : ordered(scan.keySet())) {
            Tracked state = apply(file, scan.get(file));
            if (state.last.error() != null) {
                throw new InvalidConfigurationException(
                        display(file),
                        (state.last.line() == null ? "" : "line " + state.last.line() + ": ") + state.last.error());
            }
        }
        previousScan = scan;
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {
        poller = camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "gateway-routes-reload");
        long interval = properties.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::pollSafely, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info(
                "Watching {} and {} for route, family and Kamelet changes (every {} ms)",
                properties.directoryPath(),
                properties.kameletsPath(),
                interval);
    }

    /** Every file that was ever seen, with what runs from it. */
    public List<FileStatus> files() {
        return tracked.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getValue().status(display(e.getKey())))
                .toList();
    }

    /** The file that defines route {@code routeId}, if a file does. */
    public Optional<FileStatus> sourceOf(String routeId) {
        return files().stream().filter(f -> f.routeIds().contains(routeId)).findFirst();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.error("Route reload scan failed; will retry: {}", e.getMessage(), e);
        }
    }

    synchronized void poll() {
        Map<Path, String> scan = scan();
        Set<Path> candidates = new LinkedHashSet<>(scan.keySet());
        tracked.forEach((file, state) -> {
            if (state.attemptedHash != null) {
                candidates.add(file);
            }
        });
        List<Path> changed = new ArrayList<>();
        for (Path file : candidates) {
            String hash = scan.get(file);
            Tracked state = tracked.get(file);
            String attempted = state == null ? null : state.attemptedHash;
            // apply only content seen twice in a row: never a half-written file
            if (!Objects.equals(hash, attempted) && Objects.equals(previousScan.get(file), hash)) {
                changed.add(file);
            }
        }
        previousScan = scan;
        Set<Path> done = new LinkedHashSet<>();
        for (Path file : ordered(changed)) {
            apply(file, scan.get(file));
            done.add(file);
            for (Path dependent : handlerFor(file).map(h -> h.dependents(file)).orElse(List.of())) {
                if (done.add(dependent)) {
                    String hash = scan.get(dependent);
                    if (hash != null) {
                        LOG.info("Re-applying {} because {} changed", display(dependent), display(file));
                        apply(dependent, hash);
                    }
                }
            }
        }
    }

    private Tracked apply(Path file, String hash) {
        Tracked state = tracked.computeIfAbsent(file, f -> new Tracked(kind(f)));
        SourceHandler handler = handlerFor(file).orElseThrow();
        String content = null;
        if (hash != null) {
            try {
                // Lenient: a protobuf family's descriptor set is binary (its handler reads the file itself); a
                // strict read would fail on it and take the file for deleted.
                content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                hash = null;
            } catch (IOException e) {
                content = null;
                hash = null;
            }
        }
        Instant now = clock.instant();
        try {
            List<String> routeIds = handler.apply(file, content);
            state.routeIds = List.copyOf(routeIds);
            state.activeHash = hash;
            state.status = hash == null ? "deleted" : "active";
            state.last = new Reload("success", now, null, null);
            count("success");
            LOG.info(
                    "{} {}: routes {}",
                    hash == null ? "Removed" : "Applied",
                    display(file),
                    routeIds.isEmpty() ? "-" : String.join(", ", routeIds));
        } catch (InvalidSourceException e) {
            fail(file, state, now, e.line(), e.reason());
        } catch (RuntimeException e) {
            fail(file, state, now, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        state.attemptedHash = hash;
        return state;
    }

    private void fail(Path file, Tracked state, Instant now, Integer line, String reason) {
        state.last = new Reload("failed", now, line, reason);
        state.status = state.activeHash == null ? "failed" : "active";
        count("failed");
        LOG.warn(
                "Reload of {} failed{}: {}; {}",
                display(file),
                line == null ? "" : " at line " + line,
                reason,
                state.activeHash == null ? "nothing from it runs" : "the previous version keeps running");
    }

    private void count(String result) {
        Counter.builder("gateway.route.reloads")
                .description("Applications of changed route, family and Kamelet files")
                .tag("result", result)
                .register(meters)
                .increment();
    }

    private List<Path> ordered(Collection<Path> files) {
        return files.stream()
                .filter(f -> handlerFor(f).isPresent())
                .sorted(Comparator.<Path>comparingInt(
                                f -> handlerFor(f).map(SourceHandler::order).orElse(Integer.MAX_VALUE))
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
    }

    private Optional<SourceHandler> handlerFor(Path file) {
        return handlers.stream().filter(h -> h.accepts(file)).findFirst();
    }

    private String kind(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    /** Path -> content hash of every file some handler accepts, in both directories. */
    private Map<Path, String> scan() {
        Map<Path, String> hashes = new TreeMap<>();
        for (Path directory : List.of(properties.directoryPath(), properties.kameletsPath())) {
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (Stream<Path> listed = Files.list(directory)) {
                for (Path file : listed.toList()) {
                    // ConfigMap volumes keep their real files in ..data and ..<timestamp> directories: skip those
                    if (file.getFileName().toString().startsWith(".")
                            || !Files.isRegularFile(file)
                            || handlerFor(file).isEmpty()) {
                        continue;
                    }
                    try {
                        hashes.put(file, sha256(Files.readAllBytes(file)));
                    } catch (IOException e) {
                        // vanished between list and read: seen as deleted this scan
                    }
                }
            } catch (IOException e) {
                LOG.warn("Cannot list {}: {}", directory, e.getMessage());
            }
        }
        return hashes;
    }

    private String display(Path file) {
        Path base = properties.directoryPath().getParent();
        return base != null && file.startsWith(base) ? base.relativize(file).toString() : file.toString();
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the manager knows about one file (written by the reload thread only). */
    private static final class Tracked {
        private final String kind;
        private volatile String attemptedHash;
        private volatile String activeHash;
        private volatile List<String> routeIds = List.of();
        private volatile String status = "new";
        private volatile Reload last = new Reload("none", null, null, null);

        Tracked(String kind) {
            this.kind = kind;
        }

        FileStatus status(String file) {
            String version = activeHash == null ? null : activeHash.substring(0, 12);
            return new FileStatus(file, kind, version, status, routeIds, last);
        }
    }
}
