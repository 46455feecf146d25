package io.iotgateway.ingest;

import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * Threads that validate, map and publish device messages, so that more than the MQTT client's one receiving thread
 * does that work. A message goes to the lane of its device (the topic's device id; the topic itself when the device
 * is named in the payload): one device's messages stay in arrival order, also when it publishes on several topics
 * (bike/{deviceId}/{sensorType}), which keeps their records in order in Kafka (one idempotent producer, sends in lane
 * order). The acknowledgements to the broker stay in arrival order across lanes (mqtt/ArrivalOrderAcks).
 */
final class IngestLanes {

    /** Work runs on the calling thread. */
    static final IngestLanes NONE = new IngestLanes(new ExecutorService[0], (exchange, family, topic) -> topic);

    /** What keeps its order: a message of {@code family} on {@code topic} goes to the lane of this key. */
    @FunctionalInterface
    interface OrderKey {
        /**
         * @return the key, or null for the topic itself
         */
        String of(Exchange exchange, String family, String topic);
    }

    private final ExecutorService[] lanes;
    private final OrderKey orderKey;

    private IngestLanes(ExecutorService[] lanes, OrderKey orderKey) {
        this.lanes = lanes;
        this.orderKey = orderKey;
    }

    /** {@code count} lanes keyed by MQTT topic. */
    static IngestLanes of(CamelContext camel, Object owner, int count) {
        return of(camel, owner, count, (exchange, family, topic) -> topic);
    }

    /**
     * {@code count} single-thread lanes, shut down with Camel; 0: none. Their queues are unbounded: the broker sends no
     * more than the connection's receive maximum of un-acknowledged messages. A bounded queue needs a policy for when
     * it is full, and Camel's default (the caller runs the task) let a message overtake the ones queued before it: as
     * shipped, at full rate, a thousand records a run reached Kafka out of order. (Camel takes a queue size of 0 or
     * less for a direct hand-over, which is no queue at all.) Once the lane is stopped, a task is refused.
     */
    static IngestLanes of(CamelContext camel, Object owner, int count, OrderKey orderKey) {
        ThreadPoolProfile oneThreadInOrder = new ThreadPoolProfileBuilder("ingest-lane")
                .poolSize(1)
                .maxPoolSize(1)
                .maxQueueSize(Integer.MAX_VALUE)
                .rejectedPolicy(ThreadPoolRejectedPolicy.Abort)
                .build();
        ExecutorService[] lanes = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = camel.getExecutorServiceManager().newThreadPool(owner, "ingest-lane-" + i, oneThreadInOrder);
        }
        return new IngestLanes(lanes, orderKey);
    }

    /** The lane of the device of {@code exchange} (a message of {@code family}), or null for the calling thread. */
    ExecutorService laneOf(Exchange exchange, String family) {
        if (lanes.length == 0) {
            return null;
        }
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        if (topic == null) {
            return null;
        }
        String key = orderKey.of(exchange, family, topic);
        return lanes[Math.floorMod((key == null ? topic : key).hashCode(), lanes.length)];
    }
}
