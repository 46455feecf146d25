package io.iotgateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (the JDK's) that keeps every JSON frame the server sent. Opens the socket as the test
 * operator unless given other credentials.
 */
public final class WebSocketSession implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private volatile String closed;
    private final WebSocket socket;
    /** While set, the listener asks for no further frame, so the JDK stops reading the socket (flow control). */
    private boolean paused;

    private boolean requestWithheld;

    public WebSocketSession(String url) {
        this(url, Http.OPERATOR);
    }

    /** Opens the socket with this Authorization header value (null: none). */
    public WebSocketSession(String url, String authorization) {
        try {
            WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
            if (authorization != null) {
                builder.header("Authorization", authorization);
            }
            socket = builder.connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(url), new Listener())
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + url, e);
        }
    }

    public void send(String json) {
        socket.sendText(json, true).join();
    }

    public List<JsonNode> frames() {
        return List.copyOf(frames);
    }

    public List<JsonNode> frames(String type) {
        return frames.stream().filter(f -> type.equals(f.path("type").asText())).toList();
    }

    /**
     * Stops reading: no frame is taken from the connection any more, so the server's writes back up into the TCP
     * buffers as with a client that hangs.
     */
    public synchronized void stopReading() {
        paused = true;
    }

    /** Reads again, from where it stopped. */
    public void resumeReading() {
        boolean request;
        synchronized (this) {
            paused = false;
            request = requestWithheld;
            requestWithheld = false;
        }
        if (request) {
            socket.request(1);
        }
    }

    /** Asks for the next frame unless reading is paused, in which case {@link #resumeReading} asks. */
    private void requestNext(WebSocket webSocket) {
        synchronized (this) {
            if (paused) {
                requestWithheld = true;
                return;
            }
        }
        webSocket.request(1);
    }

    /** How the server closed the session ("1009 message too big"), or null while it is open. */
    public String closedBy() {
        return closed;
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                partial.setLength(0);
            }
            requestNext(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed = statusCode + " " + reason;
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed = "error: " + error;
        }
    }
}
