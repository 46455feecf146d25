package io.iotgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.IotGatewayApplication;
import io.iotgateway.support.Http;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Start-up rules of the management security: no default password, and Hawtio can be switched off. */
@ExtendWith(OutputCaptureExtension.class)
class ManagementSecurityTest {

    @Test
    void aMissingAdminPasswordStopsTheStartNamingTheSetting(CapturedOutput output) {
        assertThatThrownBy(() -> start("--gateway.security.admin-password=").close())
                .isNotNull();
        String report = output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains("gateway.security.admin-password").contains("GATEWAY_ADMIN_PASSWORD");
    }

    @Test
    void hawtioAndJolokiaCanBeSwitchedOff() {
        try (ConfigurableApplicationContext gateway = start(
                "--gateway.security.admin-password=" + Http.ADMIN_PASSWORD,
                "--management.endpoint.hawtio.enabled=false",
                "--management.endpoint.jolokia.enabled=false")) {
            Http http = new Http(
                    ((WebServerApplicationContext) gateway).getWebServer().getPort());
            assertThat(http.getAsAdmin("/actuator/hawtio/").statusCode()).isEqualTo(404);
            assertThat(http.getAsAdmin("/actuator/jolokia/version").statusCode())
                    .isEqualTo(404);
            assertThat(http.getAsAdmin("/actuator/prometheus").statusCode()).isEqualTo(200);
            assertThat(http.as(null).get("/actuator/hawtio/").statusCode()).isEqualTo(401);
        }
    }

    /** The web application without brokers: routes do not start, clients connect lazily. */
    private static ConfigurableApplicationContext start(String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--camel.main.auto-startup=false",
                "--camel.main.jmx-enabled=false",
                "--gateway.persistence.enabled=false",
                "--spring.main.banner-mode=off"));
        args.addAll(List.of(settings));
        return new SpringApplicationBuilder(IotGatewayApplication.class).run(args.toArray(String[]::new));
    }
}
