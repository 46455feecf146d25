package io.iotgateway.reload;

import java.nio.file.Path;
import java.util.List;

/**
 * Applies one kind of user-editable file (YAML routes, device families, Kamelets). The reload manager watches the
 * directories and calls the handler that accepts a changed file; the handler validates the new content completely
 * before it touches anything running, and touches only what that file defines.
 */
public interface SourceHandler {

    /** True when this handler owns files like {@code file}. */
    boolean accepts(Path file);

    /** Lower runs first when several files change at once (Kamelets and schemas before what uses them). */
    int order();

    /**
     * Validates {@code content} and, only if it is valid, swaps the running version of {@code file} for it.
     *
     * @param content the new content, or null when the file was deleted
     * @return the Camel route ids the file now provides
     * @throws InvalidSourceException when the content is invalid or cannot start; what was running keeps running
     */
    List<String> apply(Path file, String content) throws InvalidSourceException;

    /** Files whose routes must be re-applied after {@code file} changed (e.g. the routes that use an edited Kamelet). */
    default List<Path> dependents(Path file) {
        return List.of();
    }
}
