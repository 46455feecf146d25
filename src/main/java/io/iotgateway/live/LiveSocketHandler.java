package io.iotgateway.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.commands.Command;
import io.iotgateway.commands.CommandService;
import io.iotgateway.commands.CommandUndeliverableException;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.security.GatewayRole;
import io.iotgateway.security.GatewayRoles;
import io.iotgateway.telemetry.JsonPayloads;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * WebSocket {@code /ws}: the live events of SSE, plus commands. The protocol (JSON text frames, modelled on seed 000's
 * KafkaWebSocketClient) is documented in docs/api.md, "Live data: SSE and WebSocket":
 *
 * <ul>
 *   <li>{@code {"type":"subscribe","deviceId":"000001","sensorType":"heartrate","eventType":"telemetry"}} (all
 *       optional, comma-separated lists allowed) adds a subscription; {@code unsubscribe} with the same fields removes it (without fields: all).
 *   <li>{@code {"type":"publish","topic":"bike.000001.fan.command","payload":{"command":"setSpeed","value":75}}}
 *       sends a command, validated as over HTTP; the reply is {@code accepted} with the command, or {@code error}.
 *   <li>Events arrive as {@code {"type":"telemetry|alert|command-report|session|twin","id":17,"data":{...}}}; a client that reads
 *       too slowly gets {@code {"type":"dropped","count":n}}.
 * </ul>
 *
 * Every client frame may carry a {@code requestId}, echoed in the reply. Opening the socket needs the VIEWER role (the
 * HTTP security rules); a {@code publish} also needs OPERATOR, checked per frame: without it the reply is an
 * {@code error} with reason {@code forbidden}.
 */
@Component
class LiveSocketHandler extends TextWebSocketHandler {

    private final LiveEventBus bus;
    private final LiveProperties properties;
    private final CommandService commands;
    private final ObjectMapper json;
    /**
     * Strict like every device payload; numbers as they were written, because a publish frame's payload is written out
     * again for the command checks: a double would turn 1e400 into the string "Infinity".
     */
    private final ObjectReader frames;

    private final GatewayRoles roles;
    private final Map<String, SocketClient> clients = new ConcurrentHashMap<>();

    LiveSocketHandler(
            LiveEventBus bus,
            LiveProperties properties,
            CommandService commands,
            ObjectMapper json,
            GatewayRoles roles) {
        this.bus = bus;
        this.properties = properties;
        this.commands = commands;
        this.json = json;
        this.frames = JsonPayloads.strictReader(json).with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.roles = roles;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws Exception {
        SocketClient client = new SocketClient(session, properties.clientBuffer(), bus.senders());
        if (!bus.register(client, null)) {
            session.close(CloseStatus.SERVICE_OVERLOAD.withReason("too many live clients"));
            return;
        }
        clients.put(session.getId(), client);
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        SocketClient client = clients.get(session.getId());
        if (client == null) {
            return;
        }
        JsonNode frame;
        try {
            frame = frames.readTree(message.getPayload());
        } catch (JsonProcessingException e) {
            client.send(error(null, "invalid-frame", "not JSON: " + e.getOriginalMessage()));
            return;
        }
        if (frame == null || !frame.isObject()) {
            client.send(error(null, "invalid-frame", "expected a JSON object with a type"));
            return;
        }
        JsonNode requestId = frame.get("requestId");
        String type = frame.path("type").asText("");
        switch (type) {
            case "subscribe", "unsubscribe" -> subscription(client, type, frame, requestId);
            case "publish" -> publish(client, session.getPrincipal(), frame, requestId);
            case "ping" -> client.send(reply("pong", requestId).toString());
            default ->
                client.send(error(
                        requestId,
                        "invalid-frame",
                        "unknown type '" + type + "'; expected subscribe, unsubscribe," + " publish or ping"));
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        SocketClient client = clients.remove(session.getId());
        if (client != null) {
            client.gone();
        }
    }

    private void subscription(SocketClient client, String type, JsonNode frame, JsonNode requestId) {
        LiveFilter filter;
        try {
            filter = LiveFilter.parse(
                    textOrNull(frame, "deviceId"), textOrNull(frame, "sensorType"), textOrNull(frame, "eventType"));
        } catch (IllegalArgumentException e) {
            client.send(error(requestId, "invalid-parameter", e.getMessage()));
            return;
        }
        if (type.equals("subscribe")) {
            client.subscribe(filter);
        } else {
            client.unsubscribe(filter);
        }
        ObjectNode reply = reply(type + "d", requestId);
        reply.set("deviceId", frame.get("deviceId"));
        reply.set("sensorType", frame.get("sensorType"));
        client.send(reply.toString());
    }

    private void publish(SocketClient client, Principal caller, JsonNode frame, JsonNode requestId) {
        if (!roles.has(caller, GatewayRole.OPERATOR)) {
            String who = caller == null ? "this connection" : "'" + caller.getName() + "'";
            client.send(error(requestId, "forbidden", who + " may not send commands: publish needs the OPERATOR role"));
            return;
        }
        JsonNode topic = frame.get("topic");
        JsonNode payload = frame.get("payload");
        if (topic == null || !topic.isTextual() || payload == null || !payload.isObject()) {
            client.send(error(
                    requestId,
                    "invalid-frame",
                    "publish needs a topic (e.g. bike.000001.fan.command) and a payload object"));
            return;
        }
        try {
            Command command = commands.submitToTopic(topic.asText(), json.writeValueAsBytes(payload), "websocket");
            ObjectNode reply = reply("accepted", requestId);
            reply.set("command", json.valueToTree(command));
            client.send(reply.toString());
        } catch (MessageRejectedException e) {
            client.send(error(requestId, e.reason().code(), e.getMessage()));
        } catch (CommandUndeliverableException e) {
            client.send(error(requestId, e.code(), e.getMessage()));
        } catch (JsonProcessingException e) {
            client.send(error(requestId, "invalid-frame", e.getOriginalMessage()));
        }
    }

    private ObjectNode reply(String type, JsonNode requestId) {
        ObjectNode reply = json.createObjectNode().put("type", type);
        if (requestId != null) {
            reply.set("requestId", requestId);
        }
        return reply;
    }

    private String error(JsonNode requestId, String reason, String message) {
        return reply("error", requestId)
                .put("reason", reason)
                .put("message", wellFormed(message))
                .toString();
    }

    /**
     * The parser quotes the offending character of a frame as one UTF-16 unit, which for a character beyond U+FFFF
     * is half a surrogate pair: such text cannot be sent as UTF-8, and the client would get no reply at all.
     */
    static String wellFormed(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints()
                .map(c -> Character.getType(c) == Character.SURROGATE ? 0xFFFD : c)
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    private static String textOrNull(JsonNode frame, String field) {
        JsonNode node = frame.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
