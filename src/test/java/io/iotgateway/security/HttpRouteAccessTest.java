package io.iotgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.config.InvalidConfigurationException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

/**
 * Who may call YAML HTTP route paths: configured gateway.security.http-routes come before the defaults (which they
 * extend, never replace), device tokens only for their own devices, and VIEWER-or-above rules use the role order.
 */
class HttpRouteAccessTest {

    private static final String DEVICE_TOKEN = "device-token-0123456789";
    private static final String CLIENT_TOKEN = "client-token-0123456789";

    @Test
    void configuredRulesAreAddedBeforeTheDefaults() {
        SecurityProperties properties =
                properties(List.of(new SecurityProperties.HttpRoute("/reports/**", GatewayRole.OPERATOR)));
        assertThat(properties.httpRoutes())
                .extracting(SecurityProperties.HttpRoute::path)
                .containsExactly("/reports/**", "/ingest/{family}/{deviceId}", "/ingest/**");
        assertThat(properties(null).httpRoutes()).isEqualTo(SecurityProperties.DEFAULT_HTTP_ROUTES);

        HttpRouteAccess access = access(properties);
        assertThat(access.roleFor(post("/reports/daily"))).contains(GatewayRole.OPERATOR);
        assertThat(access.roleFor(post("/ingest/devices/d1"))).contains(GatewayRole.DEVICE);
        assertThat(access.roleFor(post("/ingest/other"))).contains(GatewayRole.DEVICE);
        assertThat(access.matches(post("/api/devices"))).isFalse();
    }

    @Test
    void aDeviceTokenMaySendOnlyForItsDevices() {
        SecurityProperties properties = properties(List.of());
        HttpRouteAccess access = access(properties);
        ApiTokens tokens = ApiTokens.from(properties, new GatewayRoles(properties));
        Authentication device = tokens.authenticate(bearer(DEVICE_TOKEN));
        Authentication client = tokens.authenticate(bearer(CLIENT_TOKEN));

        assertThat(device.getName()).isEqualTo("token:device:thermo-01");
        assertThat(allowed(access, device, "/ingest/devices/thermo-01")).isTrue();
        assertThat(allowed(access, device, "/ingest/devices/thermo-02")).isFalse();
        assertThat(allowed(access, client, "/ingest/devices/thermo-02")).isTrue();
        assertThat(allowed(access, client, "/ingest/devices/thermo-03")).isTrue();
        assertThat(allowed(access, client, "/ingest/devices/thermo-01")).isFalse();
        // an administrator is not a device
        Authentication admin = new UsernamePasswordAuthenticationToken(
                "admin", "", AuthorityUtils.createAuthorityList("ROLE_GATEWAY_ADMIN"));
        assertThat(allowed(access, admin, "/ingest/devices/thermo-01")).isFalse();
    }

    @Test
    void roleRulesFollowTheRoleOrder() {
        SecurityProperties properties =
                properties(List.of(new SecurityProperties.HttpRoute("/reports/**", GatewayRole.OPERATOR)));
        HttpRouteAccess access = access(properties);
        assertThat(allowed(access, user("ROLE_GATEWAY_ADMIN"), "/reports/x")).isTrue();
        assertThat(allowed(access, user("ROLE_GATEWAY_OPERATOR"), "/reports/x")).isTrue();
        assertThat(allowed(access, user("ROLE_GATEWAY_VIEWER"), "/reports/x")).isFalse();
    }

    @Test
    void badRulesAndDeviceTokensStopTheStart() {
        assertThatThrownBy(() ->
                        access(properties(List.of(new SecurityProperties.HttpRoute("reports", GatewayRole.VIEWER)))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.security.http-routes[0].path");
        assertThatThrownBy(() -> access(properties(List.of(new SecurityProperties.HttpRoute("/reports/**", null)))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.security.http-routes[0].role");
        SecurityProperties badDevice = new SecurityProperties(
                "admin",
                "admin-secret",
                "GATEWAY_ADMIN",
                Map.of(),
                Map.of(),
                List.of(),
                Map.of("proxy", new SecurityProperties.DeviceToken(CLIENT_TOKEN, List.of("no/slash"))),
                null);
        assertThatThrownBy(() -> ApiTokens.from(badDevice, new GatewayRoles(badDevice)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.security.device-tokens.proxy.devices");
        SecurityProperties deviceAsApiToken = new SecurityProperties(
                "admin",
                "admin-secret",
                "GATEWAY_ADMIN",
                Map.of(),
                Map.of("x", new SecurityProperties.ApiToken(CLIENT_TOKEN, GatewayRole.DEVICE)),
                List.of(),
                null,
                null);
        assertThatThrownBy(() -> ApiTokens.from(deviceAsApiToken, new GatewayRoles(deviceAsApiToken)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("device-tokens");
    }

    private static boolean allowed(HttpRouteAccess access, Authentication caller, String path) {
        MockHttpServletRequest request = post(path);
        Supplier<Authentication> authentication = () -> caller;
        @SuppressWarnings("deprecation")
        boolean granted = access.check(authentication, new RequestAuthorizationContext(request))
                .isGranted();
        return granted;
    }

    private static Authentication user(String role) {
        return new UsernamePasswordAuthenticationToken("u", "", AuthorityUtils.createAuthorityList(role));
    }

    private static MockHttpServletRequest post(String path) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        request.setServletPath(path);
        return request;
    }

    private static HttpRouteAccess access(SecurityProperties properties) {
        return new HttpRouteAccess(properties.httpRoutes(), new GatewayRoles(properties));
    }

    private static SecurityProperties properties(List<SecurityProperties.HttpRoute> routes) {
        return new SecurityProperties(
                "admin",
                "admin-secret",
                "GATEWAY_ADMIN",
                Map.of(),
                Map.of(),
                List.of(),
                Map.of(
                        "thermo-01", new SecurityProperties.DeviceToken(DEVICE_TOKEN, null),
                        "proxy", new SecurityProperties.DeviceToken(CLIENT_TOKEN, List.of("thermo-02", "thermo-03"))),
                routes);
    }

    private static Authentication bearer(String token) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.addHeader("Authorization", "Bearer " + token);
        return ApiTokens.converter().convert(request);
    }
}
