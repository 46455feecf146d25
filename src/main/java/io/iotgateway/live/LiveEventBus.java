package io.iotgateway.live;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Fans events out to the connected live clients and keeps the most recent ones for clients that resume. Events come
 * from Kafka (see {@link LiveRoutes}), so every replica's clients see every device, whichever replica ingested it.
 */
@Component
class LiveEventBus {

    private final LiveProperties properties;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final Map<String, String> typesByTopic;
    private final ArrayDeque<LiveEvent> recent = new ArrayDeque<>();
    private final Set<LiveClient> clients = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> connected = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor senders;
    private final ScheduledExecutorService heartbeats;
    private final Counter skipped;
    private long lastId;

    LiveEventBus(LiveProperties properties, ObjectMapper json, MeterRegistry meters) {
        this.properties = properties;
        this.json = json;
        this.meters = meters;
        this.typesByTopic = properties.topics().entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getValue, Map.Entry::getKey));
        // One sender task per client at most, so the pool never needs more threads than clients.
        this.senders = new ThreadPoolExecutor(
                0,
                properties.maxClients() + 1,
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                daemonThreads("live-sender-"));
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(daemonThreads("live-heartbeat-"));
        this.skipped = Counter.builder("gateway.live.events.skipped")
                .description("Kafka records not shown live because they are not JSON objects")
                .register(meters);
        long period = properties.heartbeat().toMillis();
        heartbeats.scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
    }

    String[] topics() {
        return typesByTopic.keySet().toArray(String[]::new);
    }

    /** One poll's records (camel-kafka batching), in their order. */
    void fromKafkaBatch(Exchange batch) {
        for (Object record : batch.getMessage().getBody(List.class)) {
            fromKafka((Exchange) record);
        }
    }

    /** One record from the telemetry, alerts, command status or workout session topic. */
    void fromKafka(Exchange exchange) {
        String type = typesByTopic.get(exchange.getMessage().getHeader(KafkaConstants.TOPIC, String.class));
        byte[] body = exchange.getMessage().getBody(byte[].class);
        Fields fields = type == null || body == null ? null : fields(body);
        if (fields == null) {
            // The record stays in Kafka for its real consumers; the live view just cannot show it.
            skipped.increment();
            return;
        }
        publish(
                type,
                fields.deviceId() == null
                        ? exchange.getMessage().getHeader(KafkaConstants.KEY, String.class)
                        : fields.deviceId(),
                fields.sensorType(),
                fields.data());
    }

    private record Fields(String deviceId, String sensorType, String data) {}

    /**
     * What the live view needs of a record, read in one pass over its bytes (every record of four topics comes
     * here); null when it is not a JSON object. Its JSON is passed on as it is, on one line; a record written over
     * several lines is rewritten on one, since an SSE data field is a line.
     */
    private Fields fields(byte[] body) {
        try (JsonParser parser = json.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String deviceId = null;
            String sensorType = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("deviceId".equals(field) && value.isScalarValue()) {
                    deviceId = parser.getText();
                } else if ("sensorType".equals(field) && value.isScalarValue()) {
                    sensorType = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                return null;
            }
            String data = new String(body, StandardCharsets.UTF_8);
            if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
                data = json.readTree(body).toString();
            }
            return new Fields(deviceId, sensorType, data);
        } catch (IOException e) {
            return null;
        }
    }

    void publish(String type, String deviceId, String sensorType, String data) {
        synchronized (recent) {
            LiveEvent event = new LiveEvent(++lastId, type, deviceId, sensorType, data);
            if (properties.replayBuffer() > 0) {
                if (recent.size() >= properties.replayBuffer()) {
                    recent.poll();
                }
                recent.add(event);
            }
            for (LiveClient client : clients) {
                if (client.wants(event)) {
                    client.offer(event);
                }
            }
        }
    }

    /**
     * Connects a client, first replaying the buffered events after {@code lastEventId} (if given).
     *
     * @return false when the gateway already has its maximum of clients
     */
    boolean register(LiveClient client, Long lastEventId) {
        String transport = client.transport();
        AtomicInteger count = connected.computeIfAbsent(transport, t -> {
            AtomicInteger gauge = new AtomicInteger();
            Gauge.builder("gateway.live.clients", gauge, AtomicInteger::get)
                    .description("Connected live clients")
                    .tag("transport", t)
                    .register(meters);
            return gauge;
        });
        Counter drops = Counter.builder("gateway.live.events.dropped")
                .description("Events dropped for live clients that read too slowly")
                .tag("transport", transport)
                .register(meters);
        client.onDrop(drops::increment);
        client.onClose(() -> {
            if (clients.remove(client)) {
                count.decrementAndGet();
            }
        });
        synchronized (recent) {
            if (clients.size() >= properties.maxClients() || client.isClosed()) {
                return false;
            }
            if (lastEventId != null) {
                LiveEvent oldest = recent.peek();
                long firstKept = oldest == null ? lastId + 1 : oldest.id();
                if (lastEventId + 1 < firstKept) {
                    client.missed(firstKept - lastEventId - 1);
                }
                recent.stream()
                        .filter(event -> event.id() > lastEventId && client.wants(event))
                        .forEach(client::offer);
            }
            clients.add(client);
            count.incrementAndGet();
        }
        return true;
    }

    Executor senders() {
        return senders;
    }

    /** Buffered events of one device (diagnostics, and tests waiting for events to arrive). */
    long recentCount(String deviceId) {
        synchronized (recent) {
            return recent.stream().filter(e -> deviceId.equals(e.deviceId())).count();
        }
    }

    int clientCount() {
        return clients.size();
    }

    private void heartbeat() {
        clients.forEach(LiveClient::heartbeat);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * First thing on shutdown: an open SSE or WebSocket stream is a request that never ends, and the web server's
     * graceful shutdown would wait for it until its phase times out. Closed, browsers reconnect to another replica.
     */
    @EventListener(ContextClosedEvent.class)
    void stop() {
        heartbeats.shutdownNow();
        clients.forEach(LiveClient::close);
        senders.shutdown();
    }
}
