package io.iotgateway.reload;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.web.ApiProblems;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Keeps requests to YAML HTTP routes ({@code platform-http}) from falling into the gap while their route file is
 * swapped. Camel stops the old route and starts the new one; a request arriving in between would find no consumer (or a
 * stopped one) and fail. During a swap the gate holds new requests for the file's paths (at most
 * {@code gateway.routes.http-hold-timeout}, then 503 with the reason), waits until the requests already past it have
 * been answered, lets the swap happen, and then lets the held requests through to the new version (or to a 404 when
 * the file was deleted).
 *
 * <p>Runs after Spring Security (a filter bean's default order), so an unauthenticated request is refused at once
 * rather than held. Only paths of YAML HTTP routes are counted; every other request passes untouched.
 */
@Component
public class HttpRouteGate extends OncePerRequestFilter {

    private static final UrlPathHelper PATHS = UrlPathHelper.defaultInstance;

    private final ObjectMapper json;
    private final Duration holdTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The paths each source (a route file) serves, in the order they were registered. */
    private final Map<Object, List<PathPattern>> served = new ConcurrentHashMap<>();
    /** Paths being swapped: requests for them wait. */
    private final Set<String> closed = new LinkedHashSet<>();
    /** Requests past the gate and not yet answered, by the path pattern they matched. */
    private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();

    HttpRouteGate(ObjectMapper json, RoutesProperties properties) {
        this.json = json;
        this.holdTimeout = properties.httpHoldTimeout();
    }

    /** The path of a {@code platform-http} consumer uri, or null for any other uri. */
    static String pathOf(String uri) {
        if (uri == null || !uri.startsWith("platform-http:")) {
            return null;
        }
        String rest = uri.substring("platform-http:".length());
        int query = rest.indexOf('?');
        String path = query < 0 ? rest : rest.substring(0, query);
        while (path.startsWith("//")) {
            path = path.substring(1);
        }
        return path.startsWith("/") ? path : "/" + path;
    }

    /** Holds new requests for {@code paths} until {@link #open}; returns at once. */
    void close(Collection<String> paths) {
        lock.lock();
        try {
            closed.addAll(paths);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until no request for {@code paths} is in flight.
     *
     * @return false when some still were after {@code timeout}
     */
    boolean awaitIdle(Collection<String> paths, Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (paths.stream().anyMatch(p -> inFlight.getOrDefault(p, 0) > 0)) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** {@code source} now serves {@code paths} (none: it was removed); lets held requests for {@code released} go on. */
    void open(Object source, Collection<String> paths, Collection<String> released) {
        List<PathPattern> patterns = new ArrayList<>();
        for (String path : paths) {
            patterns.add(PathPatternParser.defaultInstance.parse(path));
        }
        lock.lock();
        try {
            if (patterns.isEmpty()) {
                served.remove(source);
            } else {
                served.put(source, List.copyOf(patterns));
            }
            closed.removeAll(released);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = PATHS.getPathWithinApplication(request);
        String pattern;
        long remaining = holdTimeout.toNanos();
        lock.lock();
        try {
            pattern = patternFor(path);
            while (isClosed(path, pattern)) {
                if (remaining <= 0) {
                    lock.unlock();
                    try {
                        reject(request, response);
                    } finally {
                        lock.lock();
                    }
                    return;
                }
                remaining = changed.awaitNanos(remaining);
                pattern = patternFor(path); // the swap may have added, changed or removed the route
            }
            if (pattern != null) {
                inFlight.merge(pattern, 1, Integer::sum);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServletException("interrupted while a route was being swapped", e);
        } finally {
            lock.unlock();
        }
        if (pattern == null) {
            chain.doFilter(request, response);
            return;
        }
        AtomicBoolean done = new AtomicBoolean();
        String counted = pattern;
        Runnable finish = () -> {
            if (done.compareAndSet(false, true)) {
                lock.lock();
                try {
                    inFlight.merge(counted, -1, (a, b) -> a + b == 0 ? null : a + b);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Finish(finish));
            } else {
                finish.run();
            }
        }
    }

    /** The served pattern (as written) that matches {@code path}, or null. Called with the lock held. */
    private String patternFor(String path) {
        var container = PathContainer.parsePath(path);
        for (List<PathPattern> patterns : served.values()) {
            for (PathPattern pattern : patterns) {
                if (pattern.matches(container)) {
                    return pattern.getPatternString();
                }
            }
        }
        return null;
    }

    /** True while a swap involves {@code pattern} or, for a route being added, a closed path matching the request. */
    private boolean isClosed(String path, String pattern) {
        if (closed.isEmpty()) {
            return false;
        }
        if (pattern != null && closed.contains(pattern)) {
            return true;
        }
        var container = PathContainer.parsePath(path);
        return closed.stream()
                .anyMatch(p -> PathPatternParser.defaultInstance.parse(p).matches(container));
    }

    private void reject(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ProblemDetail problem = ApiProblems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "route-reloading",
                "the route serving this path is being reloaded and did not come back within " + holdTimeout.toMillis()
                        + " ms; retry");
        problem.setInstance(URI.create(request.getRequestURI()));
        response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
        response.setHeader("Retry-After", "1");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    /** Counts an async request (platform-http answers asynchronously) as answered when it completes. */
    private record Finish(Runnable finish) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            finish.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            finish.run();
        }

        @Override
        public void onError(AsyncEvent event) {
            finish.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
