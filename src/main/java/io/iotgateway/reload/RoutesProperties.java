package io.iotgateway.reload;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.routes.*}: where the user-editable sources live and how they are reloaded.
 *
 * @param directory YAML routes ({@code *.camel.yaml}), device families ({@code *.family.yaml}) and their schemas
 * @param kameletsDirectory project Kamelets ({@code *.kamelet.yaml}); the classpath {@code kamelets/} is the fallback
 * @param pollInterval how often the directories are scanned; a change is applied once its content is the same on two
 *     scans in a row, so an editor's half-written file is never loaded
 * @param drainTimeout how long a reload waits for the in-flight messages of a route before it gives up and keeps the
 *     running version
 * @param httpHoldTimeout how long a request to a YAML HTTP route ({@code platform-http}) waits while its route is being
 *     swapped before it is answered 503; absent: 10 s
 */
@Validated
@ConfigurationProperties("gateway.routes")
public record RoutesProperties(
        @NotBlank String directory,
        @NotBlank String kameletsDirectory,
        @NotNull Duration pollInterval,
        @NotNull Duration drainTimeout,
        Duration httpHoldTimeout) {

    public RoutesProperties {
        httpHoldTimeout = httpHoldTimeout == null ? Duration.ofSeconds(10) : httpHoldTimeout;
    }

    public Path directoryPath() {
        return Path.of(directory).toAbsolutePath().normalize();
    }

    public Path kameletsPath() {
        return Path.of(kameletsDirectory).toAbsolutePath().normalize();
    }
}
