package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.telemetry.RouteIds;
import java.util.Optional;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;

/** Issue 16: every route the gateway runs, Java DSL or shipped YAML, is named {@code <capability>-<verb>-<object>}. */
class RouteIdsIT extends GatewayIntegrationTest {

    @Test
    void everyRunningRouteFollowsThePattern() {
        // Routes Camel creates from Kamelet templates are named by Camel, after the Kamelet.
        assertThat(camel.getRoutes().stream().filter(route -> !route.isCreatedByKamelet()))
                .extracting(Route::getRouteId)
                .contains("ingest-receive-bike", "commands-consume-requests", "routing-fan-out-bike")
                .allSatisfy(id -> assertThat(RouteIds.violation(id)).isEqualTo(Optional.empty()));
    }
}
