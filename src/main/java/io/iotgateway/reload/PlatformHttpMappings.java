package io.iotgateway.reload;

import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpListener;
import org.apache.camel.component.platform.http.springboot.CamelRequestHandlerMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;

/**
 * Removes the Spring MVC mapping of a {@code platform-http} consumer when its route is removed. The 4.17 starter's
 * {@link CamelRequestHandlerMapping} registers a mapping when a consumer starts but its {@code unregisterHttpEndpoint}
 * does nothing, so the path of a deleted YAML route kept a mapping to the stopped consumer and answered 500 instead of
 * 404 (and a route whose path changed in an edit left its old path behind the same way). An edit that keeps the path is
 * unaffected: the new consumer's mapping replaces the old one.
 */
@Component
class PlatformHttpMappings implements PlatformHttpListener {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformHttpMappings.class);

    private final CamelRequestHandlerMapping mappings;

    PlatformHttpMappings(CamelContext camel, CamelRequestHandlerMapping mappings) {
        this.mappings = mappings;
        camel.getComponent("platform-http", PlatformHttpComponent.class).addPlatformHttpListener(this);
    }

    @Override
    public void registerHttpEndpoint(HttpEndpointModel model) {
        // CamelRequestHandlerMapping registers it
    }

    @Override
    public void unregisterHttpEndpoint(HttpEndpointModel model) {
        if (model.getConsumer() == null) {
            return;
        }
        List<RequestMappingInfo> stale = mappings.getHandlerMethods().entrySet().stream()
                .filter(e -> isOf(e, model))
                .map(Map.Entry::getKey)
                .toList();
        stale.forEach(mappings::unregisterMapping);
        LOG.debug("Removed {} request mappings of {}", stale.size(), model.getUri());
    }

    private static boolean isOf(Map.Entry<RequestMappingInfo, HandlerMethod> entry, HttpEndpointModel model) {
        return entry.getValue().getBean() == model.getConsumer();
    }
}
