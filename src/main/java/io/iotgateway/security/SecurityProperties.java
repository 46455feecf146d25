package io.iotgateway.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.security.*}: the one management user. It guards the management endpoints ({@code /actuator/**} but
 * health and info) and Hawtio. The password has no default: see {@link ManagementSecurity}.
 */
@Validated
@ConfigurationProperties("gateway.security")
record SecurityProperties(
        @NotBlank String adminUser,
        String adminPassword,
        @NotBlank
                @Pattern(
                        regexp = "[A-Z][A-Z0-9_]*",
                        message = "must be an upper-case role name without the ROLE_ prefix, such as GATEWAY_ADMIN")
                String adminRole) {}
