package io.iotgateway.live;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/** A WebSocket client: receives the events of the filters it subscribed to, nothing before its first subscribe. */
final class SocketClient extends LiveClient {

    private final WebSocketSession session;
    private final Set<LiveFilter> subscriptions = new CopyOnWriteArraySet<>();

    SocketClient(WebSocketSession session, int capacity, Executor senders) {
        super("websocket", capacity, senders);
        this.session = session;
    }

    void subscribe(LiveFilter filter) {
        subscriptions.add(filter);
    }

    /** Removes the subscriptions equal to the filter, or all of them for {@link LiveFilter#ALL}. */
    void unsubscribe(LiveFilter filter) {
        if (filter.equals(LiveFilter.ALL)) {
            subscriptions.clear();
        } else {
            subscriptions.remove(filter);
        }
    }

    @Override
    boolean wants(LiveEvent event) {
        for (LiveFilter filter : subscriptions) {
            if (filter.matches(event)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected void write(List<String> control, long dropped, List<LiveEvent> events) throws IOException {
        for (String frame : control) {
            session.sendMessage(new TextMessage(frame));
        }
        if (dropped > 0) {
            session.sendMessage(new TextMessage("{\"type\":\"dropped\",\"count\":" + dropped + "}"));
        }
        for (LiveEvent event : events) {
            session.sendMessage(new TextMessage(
                    "{\"type\":\"" + event.type() + "\",\"id\":" + event.id() + ",\"data\":" + event.data() + "}"));
        }
    }

    @Override
    protected void disconnect() {
        try {
            session.close(CloseStatus.NORMAL);
        } catch (IOException e) {
            // the connection is gone already
        }
    }
}
