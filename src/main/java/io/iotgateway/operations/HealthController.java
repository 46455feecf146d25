package io.iotgateway.operations;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HttpCodeStatusMapper;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /health}, the path load balancers and the seed tooling probe. It answers as {@code /actuator/health}
 * does for an anonymous caller: the overall status with the same HTTP code (200 while UP, 503 while DOWN) and each
 * component's status, never its details (broker addresses, errors).
 */
@RestController
class HealthController {

    private final HealthEndpoint health;
    private final HttpCodeStatusMapper statusCodes;

    HealthController(HealthEndpoint health, HttpCodeStatusMapper statusCodes) {
        this.health = health;
        this.statusCodes = statusCodes;
    }

    @GetMapping(path = "/health", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Status> health() {
        HealthComponent current = health.health();
        return ResponseEntity.status(statusCodes.getStatusCode(current.getStatus()))
                .body(summary(current));
    }

    private static Status summary(HealthComponent component) {
        Map<String, Status> components = null;
        if (component instanceof CompositeHealth composite && composite.getComponents() != null) {
            components = new TreeMap<>();
            for (Map.Entry<String, HealthComponent> child :
                    composite.getComponents().entrySet()) {
                components.put(child.getKey(), summary(child.getValue()));
            }
        }
        return new Status(component.getStatus().getCode(), components);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Status(String status, Map<String, Status> components) {}
}
