package io.iotgateway.security;

import java.security.Principal;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/**
 * The gateway roles as Spring Security roles, their order (each includes the ones below it), and a check for code that
 * is not behind a URL rule: a WebSocket frame is authorized per frame, not per request.
 */
@Component
public class GatewayRoles {

    private final SecurityProperties properties;
    private final RoleHierarchy hierarchy;

    GatewayRoles(SecurityProperties properties) {
        this.properties = properties;
        this.hierarchy = RoleHierarchyImpl.withDefaultRolePrefix()
                .role(name(GatewayRole.ADMIN))
                .implies(name(GatewayRole.OPERATOR))
                .role(name(GatewayRole.OPERATOR))
                .implies(name(GatewayRole.VIEWER))
                .build();
    }

    /** Spring role name (without {@code ROLE_}) of a gateway role. */
    public String name(GatewayRole role) {
        return switch (role) {
            case VIEWER -> "GATEWAY_VIEWER";
            case OPERATOR -> "GATEWAY_OPERATOR";
            case ADMIN -> properties.adminRole();
            case DEVICE -> "GATEWAY_DEVICE";
        };
    }

    RoleHierarchy hierarchy() {
        return hierarchy;
    }

    /** True when the authenticated {@code principal} has {@code role} or a role that includes it. */
    public boolean has(Principal principal, GatewayRole role) {
        if (!(principal instanceof Authentication authentication) || !authentication.isAuthenticated()) {
            return false;
        }
        String wanted = "ROLE_" + name(role);
        return hierarchy.getReachableGrantedAuthorities(authentication.getAuthorities()).stream()
                .anyMatch(a -> wanted.equals(a.getAuthority()));
    }
}
