package io.iotgateway.reload;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/routes}: every running route with the file it comes from, that file's version (content hash) and
 * last reload result, plus every file, including those that failed to load and so run nothing.
 */
@RestController
class RoutesController {

    private final CamelContext camel;
    private final ReloadManager manager;

    RoutesController(CamelContext camel, ReloadManager manager) {
        this.camel = camel;
        this.manager = manager;
    }

    record RouteView(String id, String source, String version, String status, ReloadManager.Reload lastReload) {}

    record RoutesView(List<RouteView> routes, List<ReloadManager.FileStatus> files) {}

    @GetMapping("/api/routes")
    RoutesView routes() {
        List<RouteView> routes = new ArrayList<>();
        for (Route route : camel.getRoutes()) {
            String id = route.getRouteId();
            ServiceStatus status = camel.getRouteController().getRouteStatus(id);
            String state = status == null ? "Unknown" : status.name();
            Optional<ReloadManager.FileStatus> file = manager.sourceOf(id);
            if (file.isPresent()) {
                routes.add(new RouteView(
                        id,
                        file.get().file(),
                        file.get().version(),
                        state,
                        file.get().lastReload()));
            } else {
                String source = route.isCreatedByKamelet() ? "kamelet" : "built-in";
                routes.add(new RouteView(id, source, null, state, null));
            }
        }
        routes.sort((a, b) -> a.id().compareTo(b.id()));
        return new RoutesView(routes, manager.files());
    }
}
