package io.iotgateway.security;

import io.iotgateway.config.InvalidConfigurationException;
import io.iotgateway.telemetry.Identifiers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Static API tokens ({@code Authorization: Bearer <token>}) from {@code gateway.security.tokens}: for scripts and
 * services that should not hold a user's password; and device tokens from {@code gateway.security.device-tokens}, for
 * devices (or clients sending for several devices) using HTTP ingest. Only SHA-256 digests are kept in memory, and a presented token is
 * compared with each in constant time.
 */
final class ApiTokens implements AuthenticationProvider {

    /** Shorter tokens could be guessed; 16 random characters is the least a generated token has. */
    static final int MIN_LENGTH = 16;

    private static final String HASHED = "sha256:";
    private static final String BEARER = "bearer ";

    private record Known(String name, byte[] digest, String role, List<String> devices) {}

    private final List<Known> known;

    private ApiTokens(List<Known> known) {
        this.known = known;
    }

    /** The configured tokens; a blank one is switched off, a weak or ambiguous one stops the start. */
    static ApiTokens from(SecurityProperties properties, GatewayRoles roles) {
        List<Known> known = new ArrayList<>();
        for (Map.Entry<String, SecurityProperties.ApiToken> entry : new TreeMap<>(properties.tokens()).entrySet()) {
            String key = "gateway.security.tokens." + entry.getKey();
            SecurityProperties.ApiToken token = entry.getValue();
            if (!token.enabled()) {
                continue;
            }
            if (token.role() == null || token.role() == GatewayRole.DEVICE) {
                throw new InvalidConfigurationException(
                        key + ".role",
                        (token.role() == null ? "not set" : "DEVICE tokens belong in gateway.security.device-tokens")
                                + "; expected one of VIEWER, OPERATOR, ADMIN");
            }
            add(known, key, entry.getKey(), token.value(), roles.name(token.role()), List.of());
        }
        for (Map.Entry<String, SecurityProperties.DeviceToken> entry :
                new TreeMap<>(properties.deviceTokens()).entrySet()) {
            String key = "gateway.security.device-tokens." + entry.getKey();
            SecurityProperties.DeviceToken token = entry.getValue();
            if (!token.enabled()) {
                continue;
            }
            List<String> devices = token.devices().isEmpty() ? List.of(entry.getKey()) : token.devices();
            for (String device : devices) {
                if (!Identifiers.isValid(device)) {
                    throw new InvalidConfigurationException(
                            key + ".devices", "'" + Identifiers.printable(device) + "' is not a valid device id");
                }
            }
            add(known, key, "device:" + entry.getKey(), token.value(), roles.name(GatewayRole.DEVICE), devices);
        }
        return new ApiTokens(List.copyOf(known));
    }

    private static void add(
            List<Known> known, String key, String name, String value, String role, List<String> devices) {
        byte[] digest = digestOf(key + ".value", value.trim());
        if (known.stream().anyMatch(k -> MessageDigest.isEqual(k.digest(), digest))) {
            throw new InvalidConfigurationException(
                    key + ".value", "the same token is configured twice; each token must be unique");
        }
        known.add(new Known(name, digest, role, devices));
    }

    private static byte[] digestOf(String key, String value) {
        if (value.startsWith(HASHED)) {
            String hex = value.substring(HASHED.length());
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new InvalidConfigurationException(
                        key, "expected sha256: followed by 64 hexadecimal digits (the token's SHA-256)");
            }
            return HexFormat.of().parseHex(hex);
        }
        if (value.length() < MIN_LENGTH) {
            throw new InvalidConfigurationException(
                    key,
                    "too short (" + value.length() + " characters); expected at least " + MIN_LENGTH
                            + " random characters, e.g. openssl rand -hex 32");
        }
        return sha256(value);
    }

    /** Reads {@code Authorization: Bearer ...}; any other request is left to the other mechanisms. */
    static AuthenticationConverter converter() {
        return request -> {
            String header = request.getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return null;
            }
            String token = header.substring(BEARER.length()).trim();
            if (token.isEmpty()) {
                throw new BadCredentialsException("empty bearer token");
            }
            return new Token(token);
        };
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        byte[] presented = sha256(((Token) authentication).value);
        Known match = null;
        for (Known candidate : known) {
            // no early exit: the time taken does not tell which token came close
            if (MessageDigest.isEqual(candidate.digest(), presented)) {
                match = candidate;
            }
        }
        if (match == null) {
            throw new BadCredentialsException("unknown API token");
        }
        return new Token(match.name(), match.role(), match.devices());
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return Token.class.isAssignableFrom(authentication);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** A presented token (not yet checked), or the authenticated caller named after its token's configuration key. */
    static final class Token extends AbstractAuthenticationToken {

        private final transient String value;
        private final String name;
        private final List<String> devices;

        private Token(String value) {
            super(AuthorityUtils.NO_AUTHORITIES);
            this.value = value;
            this.name = "token";
            this.devices = List.of();
        }

        private Token(String name, String role, List<String> devices) {
            super(AuthorityUtils.createAuthorityList("ROLE_" + role));
            this.value = null;
            this.name = "token:" + name;
            this.devices = devices;
            setAuthenticated(true);
        }

        /** The devices a device token may send for; empty for other tokens. */
        List<String> devices() {
            return devices;
        }

        @Override
        public Object getCredentials() {
            return "";
        }

        @Override
        public Object getPrincipal() {
            return name;
        }

        @Override
        public String getName() {
            return name;
        }
    }
}
