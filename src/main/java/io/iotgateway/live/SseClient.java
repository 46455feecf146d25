package io.iotgateway.live;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** A Server-Sent Events client. A batch of events is written as one chunk with one flush. */
final class SseClient extends LiveClient {

    private final SseEmitter emitter;
    private final LiveFilter filter;

    SseClient(SseEmitter emitter, LiveFilter filter, int capacity, Executor senders) {
        super("sse", capacity, senders);
        this.emitter = emitter;
        this.filter = filter;
    }

    @Override
    boolean wants(LiveEvent event) {
        return filter.matches(event);
    }

    @Override
    void heartbeat() {
        send(": heartbeat\n\n");
    }

    @Override
    protected void write(List<String> control, long dropped, List<LiveEvent> events) throws IOException {
        StringBuilder chunk = new StringBuilder();
        control.forEach(chunk::append);
        if (dropped > 0) {
            chunk.append("event: dropped\ndata: {\"count\":").append(dropped).append("}\n\n");
        }
        for (LiveEvent event : events) {
            chunk.append("id: ").append(event.id()).append('\n');
            chunk.append("event: ").append(event.type()).append('\n');
            chunk.append("data: ").append(event.data()).append("\n\n");
        }
        emitter.send(Set.of(new DataWithMediaType(chunk.toString(), MediaType.TEXT_PLAIN)));
    }

    @Override
    protected void disconnect() {
        emitter.complete();
    }
}
