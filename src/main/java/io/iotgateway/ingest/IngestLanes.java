package io.iotgateway.ingest;

import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * Threads that validate, map and publish device messages, so that more than the MQTT client's one receiving thread
 * does that work. A message goes to the lane of its MQTT topic: the messages of one topic, and so of one device,
 * stay in arrival order, which keeps their records in order in Kafka (one idempotent producer, sends in lane order).
 * The acknowledgements to the broker stay in arrival order across lanes (mqtt/ArrivalOrderAcks).
 */
final class IngestLanes {

    /** Work runs on the calling thread. */
    static final IngestLanes NONE = new IngestLanes(new ExecutorService[0]);

    private final ExecutorService[] lanes;

    private IngestLanes(ExecutorService[] lanes) {
        this.lanes = lanes;
    }

    /** {@code count} single-thread lanes, shut down with Camel; 0: none. */
    static IngestLanes of(CamelContext camel, Object owner, int count) {
        ExecutorService[] lanes = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = camel.getExecutorServiceManager().newSingleThreadExecutor(owner, "ingest-lane-" + i);
        }
        return new IngestLanes(lanes);
    }

    /** The lane of {@code exchange}'s topic, or null to run on the calling thread. */
    ExecutorService laneOf(Exchange exchange) {
        if (lanes.length == 0) {
            return null;
        }
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        return topic == null ? null : lanes[Math.floorMod(topic.hashCode(), lanes.length)];
    }
}
