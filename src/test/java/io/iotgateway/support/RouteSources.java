package io.iotgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * A private copy of the repository's {@code routes/} and {@code kamelets/} for the shared test context, so tests can
 * edit, add and delete files while the gateway runs without ever touching the real ones.
 */
public final class RouteSources {

    private static RouteSources shared;

    private final Path routes;
    private final Path kamelets;

    private RouteSources(Path root) {
        this.routes = copy(Path.of("routes"), root.resolve("routes"));
        this.kamelets = copy(Path.of("kamelets"), root.resolve("kamelets"));
    }

    public static synchronized RouteSources get() {
        if (shared == null) {
            shared = new RouteSources(Path.of(
                            "target",
                            "test-routes",
                            "run-" + ProcessHandle.current().pid())
                    .toAbsolutePath());
        }
        return shared;
    }

    /** A copy of its own under {@code root}, for a gateway process (the fault suite's). */
    public static RouteSources copyTo(Path root) {
        return new RouteSources(root.toAbsolutePath());
    }

    public Path routes() {
        return routes;
    }

    public Path kamelets() {
        return kamelets;
    }

    /** Writes a file the way an editor or a ConfigMap update would: the new content appears at once. */
    public static void write(Path file, String content) {
        try {
            Path temp = Files.createTempFile(file.getParent(), ".edit-", ".tmp");
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path from, Path to) {
        try {
            Files.createDirectories(to);
            if (Files.isDirectory(from)) {
                try (Stream<Path> files = Files.list(from)) {
                    for (Path file : files.filter(Files::isRegularFile).toList()) {
                        Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
