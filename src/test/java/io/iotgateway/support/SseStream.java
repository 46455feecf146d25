package io.iotgateway.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real Server-Sent Events client: reads the stream on its own thread and keeps every event it received. Sends the
 * test operator's credentials unless {@code headers} has an {@code Authorization} of its own.
 */
public final class SseStream implements AutoCloseable {

    /** One event as the browser's EventSource would see it. */
    public record Event(String id, String type, String data) {}

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> lines;

    public SseStream(String url, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (headers.keySet().stream().noneMatch("Authorization"::equalsIgnoreCase)) {
            request.header("Authorization", Http.OPERATOR);
        }
        headers.forEach(request::header);
        response = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .build()
                .sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAcceptAsync(this::read);
    }

    public int status() {
        return response.join().statusCode();
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<Event> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    public List<String> comments() {
        return List.copyOf(comments);
    }

    private void read(HttpResponse<Stream<String>> answer) {
        lines = answer.body();
        String[] current = new String[3];
        try {
            lines.forEach(line -> {
                if (line.isEmpty()) {
                    if (current[2] != null) {
                        events.add(new Event(current[0], current[1] == null ? "message" : current[1], current[2]));
                    }
                    current[0] = null;
                    current[1] = null;
                    current[2] = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else if (line.startsWith("id:")) {
                    current[0] = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    current[1] = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String data = line.substring(5).trim();
                    current[2] = current[2] == null ? data : current[2] + "\n" + data;
                }
            });
        } catch (RuntimeException e) {
            // the stream was closed
        }
    }

    @Override
    public void close() {
        Stream<String> open = lines;
        if (open != null) {
            open.close();
        }
        response.cancel(true);
    }
}
