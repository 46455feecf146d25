package io.iotgateway.mqtt;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.LockSupport;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.RouteController;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The {@code mqtt-ingest:} endpoint: camel-paho-mqtt5 with its consumer's start-up order fixed.
 *
 * <p>The stock consumer connects first and installs its message callback afterwards. With a persistent session the
 * broker resends every un-acknowledged message right after CONNACK, so a message can arrive before the callback
 * exists: it is then neither processed nor acknowledged, and sits in the session until the next reconnect. Here the
 * client connects only once the callback is in place. Connection settings come from the {@code paho-mqtt5} component
 * (configured in application.yaml under {@code camel.component.paho-mqtt5}).
 *
 * <p>Upstream: no Camel issue filed for the start-up order (closest: eclipse-paho/paho.mqtt.java#595, open); the
 * re-subscription restart is CAMEL-24511 (camel-paho-mqtt5 4.23, backported to 4.22.x/4.18.x), the resubscribe
 * deadlock eclipse-paho/paho.mqtt.java#985/#999 (open). docs/upgrading.md says what can go on upgrading.
 */
@Component(SessionSafeMqttComponent.SCHEME)
public class SessionSafeMqttComponent extends PahoMqtt5Component {

    public static final String SCHEME = "mqtt-ingest";

    private static final Logger LOG = LoggerFactory.getLogger(SessionSafeMqttComponent.class);

    /**
     * Filters a session no longer wants, by client id: a family whose filter changed keeps its client id, and its
     * persistent session would otherwise keep the old subscription next to the new one for good (overlapping topics
     * delivered twice, the others rejected as unknown-family).
     */
    private final Map<String, Set<String>> staleFilters = new ConcurrentHashMap<>();

    /** The subscription of {@code endpoint} is being replaced: its successor unsubscribes it once it has subscribed. */
    public void replacing(Endpoint endpoint) {
        if (endpoint instanceof SessionSafeEndpoint old) {
            staleFilters
                    .computeIfAbsent(old.getConfiguration().getClientId(), id -> ConcurrentHashMap.newKeySet())
                    .add(old.getTopic());
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        PahoMqtt5Component configured = getCamelContext().getComponent("paho-mqtt5", PahoMqtt5Component.class);
        PahoMqtt5Configuration configuration = configured.getConfiguration().copy();
        // The only endpoint option this scheme takes; the generated option configurers know the stock scheme only.
        Object clientId = parameters.remove("clientId");
        if (clientId != null) {
            configuration.setClientId(clientId.toString());
        }
        if (!parameters.isEmpty()) {
            throw new IllegalArgumentException(
                    SCHEME + " takes only the clientId option; set the others under camel.component.paho-mqtt5, not "
                            + parameters.keySet());
        }
        return new SessionSafeEndpoint(uri, remaining, this, configuration);
    }

    static final class SessionSafeEndpoint extends PahoMqtt5Endpoint {

        SessionSafeEndpoint(
                String uri, String topic, PahoMqtt5Component component, PahoMqtt5Configuration configuration) {
            super(uri, topic, component, configuration);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            SessionSafeConsumer consumer = new SessionSafeConsumer(this, processor);
            configureConsumer(consumer);
            return consumer;
        }

        CallbackFirstClient newClient() throws MqttException {
            PahoMqtt5Configuration configuration = getConfiguration();
            MqttClientPersistence persistence = createMqttClientPersistence(configuration);
            CallbackFirstClient client = new CallbackFirstClient(
                    configuration.getBrokerUrl(),
                    configuration.getClientId(),
                    persistence,
                    createMqttConnectionOptions());
            client.setManualAcks(configuration.isManualAcksEnabled());
            return client;
        }
    }

    /** Hands the stock consumer a client that is not connected yet; it connects when the callback is set. */
    static final class SessionSafeConsumer extends PahoMqtt5Consumer {

        /**
         * How long a stop waits for the messages in flight to be acknowledged before it disconnects anyway: within the
         * graceful shutdown's budget (camel.main.shutdown-timeout).
         */
        private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

        private ExecutorService resubscriber;
        private volatile boolean stopping;
        private volatile ArrivalOrderAcks acks;

        SessionSafeConsumer(SessionSafeEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        @Override
        protected void doStart() throws Exception {
            stopping = false;
            resubscriber = getEndpoint()
                    .getCamelContext()
                    .getExecutorServiceManager()
                    .newSingleThreadExecutor(this, "mqtt-resubscribe-" + getRouteId());
            CallbackFirstClient client = ((SessionSafeEndpoint) getEndpoint()).newClient();
            client.guard(new ReconnectGuard(this));
            acks = getEndpoint().getConfiguration().isManualAcksEnabled()
                    ? new ArrivalOrderAcks(client::messageArrivedComplete, getRouteId())
                    : null;
            setClient(client);
            super.doStart();
            unsubscribeStale(client);
        }

        @Override
        public Exchange createExchange(MqttMessage message, String topic) {
            Exchange exchange = super.createExchange(message, topic);
            ArrivalOrderAcks ordered = acks;
            if (ordered != null) {
                ordered.track(exchange, message);
            }
            return exchange;
        }

        void connectionLost() {
            ArrivalOrderAcks ordered = acks;
            if (ordered != null) {
                ordered.connectionLost();
            }
        }

        /**
         * After the new filter is subscribed, so a message matching both is never without a subscription: at worst it
         * arrives twice in that instant, never not at all.
         */
        private void unsubscribeStale(MqttClient client) {
            SessionSafeMqttComponent component =
                    (SessionSafeMqttComponent) getEndpoint().getComponent();
            Set<String> stale = component.staleFilters.get(client.getClientId());
            if (stale == null) {
                return;
            }
            for (String filter : Set.copyOf(stale)) {
                if (filter.equals(getEndpoint().getTopic())) {
                    stale.remove(filter);
                    continue;
                }
                try {
                    client.unsubscribe(filter);
                    stale.remove(filter);
                    LOG.info("Route {} unsubscribed its previous filter {}", getRouteId(), filter);
                } catch (MqttException e) {
                    // kept: the next start tries again
                    LOG.warn(
                            "Route {} could not unsubscribe its previous filter {}: {}",
                            getRouteId(),
                            filter,
                            e.getMessage());
                }
            }
        }

        @Override
        protected void doStop() throws Exception {
            MqttClient client = getClient();
            drain(client);
            // A client handed in from outside is not disconnected by the stock consumer: that is ours to do.
            super.doStop();
            if (resubscriber != null) {
                getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(resubscriber);
                resubscriber = null;
            }
            if (client != null) {
                try {
                    if (client.isConnected()) {
                        client.disconnect();
                    }
                } finally {
                    client.close();
                }
            }
        }

        /**
         * Stops taking messages and waits (bounded) until the ones in flight are acknowledged, which needs the
         * connection. Disconnecting first would leave them un-acknowledged though Kafka has them: the broker would
         * deliver them again (a duplicate). Not unsubscribing: the persistent session keeps collecting messages for
         * the next start.
         */
        private void drain(MqttClient client) {
            stopping = true;
            if (client == null || !client.isConnected()) {
                return;
            }
            InflightRepository inflight = getEndpoint().getCamelContext().getInflightRepository();
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (inflight.size(getRouteId()) > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            if (inflight.size(getRouteId()) > 0) {
                LOG.warn(
                        "Route {} stops with {} message(s) still in flight: they stay un-acknowledged and the broker"
                                + " delivers them again",
                        getRouteId(),
                        inflight.size(getRouteId()));
            }
        }

        /** The last resort against a route that looks started but receives nothing: start it again. */
        void restartRoute(String reason) {
            String routeId = getRouteId();
            LOG.warn("Route {} is not subscribed to the MQTT broker ({}): restarting it", routeId, reason);
            getEndpoint()
                    .getCamelContext()
                    .getExecutorServiceManager()
                    .newThread("mqtt-route-restart-" + routeId, () -> {
                        // Stop and start: a start that fails is retried with back-off by the supervising controller.
                        RouteController routes = getEndpoint().getCamelContext().getRouteController();
                        try {
                            routes.stopRoute(routeId);
                            routes.startRoute(routeId);
                        } catch (Exception e) {
                            LOG.warn("Cannot restart route {}: {}", routeId, e.getMessage());
                        }
                    })
                    .start();
        }
    }

    /**
     * The zombie-route guard, around the stock consumer's callback. After an automatic reconnect the stock callback
     * subscribes again on Paho's callback thread and only logs a failure, leaving a connected route that receives
     * nothing. Worse, while that thread waits for the SUBACK it cannot take the messages the broker resends from the
     * session, and once Paho's small inbound queue is full the SUBACK is never read. Here the subscription is renewed
     * on a thread of its own, and a route whose subscription cannot be renewed is restarted. Connection losses and
     * recoveries are logged.
     */
    static final class ReconnectGuard implements MqttCallback {

        private final SessionSafeConsumer consumer;
        private MqttCallback delegate;

        ReconnectGuard(SessionSafeConsumer consumer) {
            this.consumer = consumer;
        }

        MqttCallback wrap(MqttCallback stock) {
            this.delegate = stock;
            return this;
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            LOG.warn(
                    "Lost MQTT broker {}: route {} ({}); reconnecting automatically",
                    consumer.getEndpoint().getConfiguration().getBrokerUrl(),
                    consumer.getRouteId(),
                    response.getException() != null
                            ? response.getException().getMessage()
                            : response.getReasonString());
            consumer.connectionLost();
            delegate.disconnected(response);
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            delegate.mqttErrorOccurred(exception);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) throws Exception {
            if (consumer.stopping) {
                // Not processed, not acknowledged: it stays in the session and comes back with the next connection.
                return;
            }
            delegate.messageArrived(topic, message);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            delegate.deliveryComplete(token);
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (!reconnect) {
                return; // the first connect: the consumer subscribes itself
            }
            String routeId = consumer.getRouteId();
            consumer.resubscriber.submit(() -> {
                MqttClient client = consumer.getClient();
                try {
                    client.subscribe(
                            consumer.getEndpoint().getTopic(),
                            consumer.getEndpoint().getConfiguration().getQos());
                    LOG.info("Reconnected to MQTT broker {}: route {} is subscribed again", serverUri, routeId);
                } catch (MqttException | RuntimeException e) {
                    consumer.restartRoute("subscribing again after a reconnect failed: " + e.getMessage());
                }
            });
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            delegate.authPacketArrived(reasonCode, properties);
        }
    }

    static final class CallbackFirstClient extends MqttClient {

        private final MqttConnectionOptions options;
        private ReconnectGuard guard;

        CallbackFirstClient(
                String brokerUrl, String clientId, MqttClientPersistence persistence, MqttConnectionOptions options)
                throws MqttException {
            super(brokerUrl, clientId, persistence);
            this.options = options;
        }

        void guard(ReconnectGuard guard) {
            this.guard = guard;
        }

        @Override
        public void setCallback(MqttCallback callback) {
            super.setCallback(guard == null ? callback : guard.wrap(callback));
            if (!isConnected()) {
                try {
                    connect(options);
                } catch (MqttException e) {
                    throw new RuntimeCamelException(
                            "Unable to connect to " + getServerURI() + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
