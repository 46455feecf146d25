package io.iotgateway.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.web.ApiProblems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 as the API's other errors: problem details with a {@code reason}, never a stack trace. The 401 offers
 * both schemes; {@code Basic} also makes a browser ask for a login.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final ObjectMapper json;
    private final HttpRouteAccess httpRoutes;

    SecurityProblems(ObjectMapper json, HttpRouteAccess httpRoutes) {
        this.json = json;
        this.httpRoutes = httpRoutes;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        response.addHeader("WWW-Authenticate", "Basic realm=\"iot-gateway\", charset=\"UTF-8\"");
        response.addHeader("WWW-Authenticate", "Bearer realm=\"iot-gateway\"");
        String why = request.getHeader("Authorization") == null
                ? "no credentials; use HTTP basic or an API token (Authorization: Bearer)"
                : "credentials not accepted (unknown user, wrong password or unknown token)";
        write(request, response, HttpStatus.UNAUTHORIZED, "unauthenticated", why);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        var caller = SecurityContextHolder.getContext().getAuthentication();
        String who = caller == null ? "the caller" : "'" + caller.getName() + "'";
        write(
                request,
                response,
                HttpStatus.FORBIDDEN,
                "forbidden",
                who + " may not " + request.getMethod() + " " + request.getRequestURI() + ": " + needed(request));
    }

    /** The rule of ManagementSecurity that applies, in words. */
    private String needed(HttpServletRequest request) {
        String path = request.getRequestURI();
        var routeRole = httpRoutes == null ? java.util.Optional.<GatewayRole>empty() : httpRoutes.roleFor(request);
        if (routeRole.isPresent()) {
            return routeRole.get() == GatewayRole.DEVICE
                    ? "needs a device token (gateway.security.device-tokens) that names the device"
                    : "needs the " + routeRole.get() + " role (gateway.security.http-routes)";
        }
        if (path.startsWith("/actuator")) {
            return "management endpoints and Hawtio need the ADMIN role";
        }
        if (path.startsWith("/api/routes")) {
            return "changing routes needs the ADMIN role";
        }
        if (path.startsWith("/api/")) {
            return "commands and other changes need the OPERATOR role";
        }
        return "needs the VIEWER role";
    }

    private void write(
            HttpServletRequest request, HttpServletResponse response, HttpStatus status, String reason, String detail)
            throws IOException {
        ProblemDetail problem = ApiProblems.of(status, reason, detail);
        problem.setInstance(URI.create(request.getRequestURI()));
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
