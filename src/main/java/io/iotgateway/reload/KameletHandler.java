package io.iotgateway.reload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.springframework.stereotype.Component;

/**
 * Hot reload of {@code kamelets/*.kamelet.yaml}. Camel loads a Kamelet once and keeps its template; here an edit is
 * validated (shape and template), the cached template dropped, and every YAML route file that uses the Kamelet is
 * re-applied, which loads the new template. An invalid edit changes nothing.
 */
@Component
class KameletHandler implements SourceHandler {

    private final YAMLMapper yaml = new YAMLMapper();
    private final CamelContext camel;
    private final KameletCatalog kamelets;
    private final YamlRouteValidator validator;
    private final YamlRouteHandler routes;

    KameletHandler(CamelContext camel, KameletCatalog kamelets, YamlRouteValidator validator, YamlRouteHandler routes) {
        this.camel = camel;
        this.kamelets = kamelets;
        this.validator = validator;
        this.routes = routes;
    }

    @Override
    public boolean accepts(Path file) {
        return kamelets.directory().equals(file.getParent())
                && file.getFileName().toString().endsWith(KameletCatalog.SUFFIX);
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public List<String> apply(Path file, String content) throws InvalidSourceException {
        String name = name(file);
        if (content != null) {
            JsonNode kamelet;
            try {
                kamelet = yaml.readTree(content);
            } catch (JsonProcessingException e) {
                throw new InvalidSourceException(
                        e.getLocation() == null ? null : e.getLocation().getLineNr(),
                        e.getOriginalMessage().lines().findFirst().orElse("invalid YAML"));
            }
            KameletCatalog.checkShape(name, kamelet, content);
            validator.parseTemplate(file, content);
        }
        try {
            ((ModelCamelContext) camel).removeRouteTemplateDefinitions(name);
        } catch (Exception e) {
            throw new InvalidSourceException("cannot drop the loaded template of '" + name + "': " + e.getMessage());
        }
        return List.of();
    }

    @Override
    public List<Path> dependents(Path file) {
        return routes.filesUsingKamelet(name(file));
    }

    private static String name(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.substring(0, fileName.length() - KameletCatalog.SUFFIX.length());
    }
}
