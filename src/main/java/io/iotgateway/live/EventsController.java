package io.iotgateway.live;

import io.iotgateway.web.ApiProblems;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /events}: Server-Sent Events (seed 000) of types {@code telemetry}, {@code alert},
 * {@code command-report}, {@code session} (workout session started/ended) and {@code twin} (a device twin changed), filtered by {@code ?deviceId=&sensorType=&type=} (comma-separated lists). A client that
 * reconnects with {@code Last-Event-ID} gets what it missed while it is still buffered, and an event {@code dropped}
 * with the count of what it cannot get.
 */
@RestController
class EventsController {

    private final LiveEventBus bus;
    private final LiveProperties properties;

    EventsController(LiveEventBus bus, LiveProperties properties) {
        this.bus = bus;
        this.properties = properties;
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> events(
            @RequestParam(required = false) String deviceId,
            @RequestParam(required = false) String sensorType,
            @RequestParam(required = false) String type,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        LiveFilter filter;
        Long resumeAfter;
        try {
            filter = LiveFilter.parse(deviceId, sensorType, type);
        } catch (IllegalArgumentException e) {
            throw ApiProblems.badRequest("invalid-parameter", e.getMessage());
        }
        try {
            resumeAfter = lastEventId == null || lastEventId.isBlank() ? null : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw ApiProblems.badRequest("invalid-parameter", "Last-Event-ID must be an event id (a number)");
        }
        // Never times out on the server side; the client's disconnect ends it.
        SseEmitter emitter = new SseEmitter(0L);
        SseClient client = new SseClient(emitter, filter, properties.clientBuffer(), bus.senders());
        // The container ended the response (client left, error, timeout): forget the client, do not touch it.
        emitter.onCompletion(client::gone);
        emitter.onTimeout(client::gone);
        emitter.onError(error -> client.gone());
        if (!bus.register(client, resumeAfter)) {
            throw new ErrorResponseException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    ApiProblems.of(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            "too-many-clients",
                            "this gateway already serves " + properties.maxClients() + " live clients"),
                    null);
        }
        // Sends the headers at once, and tells browsers how soon to reconnect.
        client.send("retry: 3000\n: connected\n\n");
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(emitter);
    }
}
