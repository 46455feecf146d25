package io.iotgateway.mqtt;

import java.util.ArrayDeque;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.SynchronizationAdapter;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges a connection's messages in the order they arrived, whatever order their exchanges finish in.
 *
 * <p>MQTT requires it (PUBACKs in the order of the PUBLISHes, [MQTT-4.6.0-2]), and a broker can depend on it: when
 * a client acknowledges out of order while the broker holds messages back for it (receive maximum reached, e.g.
 * during a Kafka outage), Mosquitto 2.0.11 (Debian 12) can send a newly published message ahead of the ones it
 * queued before, and so reorder a device's stream (docs/reliability.md). Exchanges finish out of order because
 * Kafka acknowledges partitions independently, so each acknowledgement waits here until every earlier message of
 * the connection is settled.
 *
 * <p>A message whose exchange fails is settled without an acknowledgement: it stays in the broker's session and is
 * delivered again after the next reconnect, as without this ordering. After a connection loss, the messages of the
 * old connection are no longer acknowledged: the broker sends them again on the new one.
 */
final class ArrivalOrderAcks {

    private static final Logger LOG = LoggerFactory.getLogger(ArrivalOrderAcks.class);

    /** Sends the acknowledgement of one message. */
    @FunctionalInterface
    interface AckSender {
        void ack(int messageId, int qos) throws MqttException;
    }

    private final AckSender sender;
    private final String routeId;

    /** In arrival order; guarded by {@code this}, which also keeps the acknowledgements themselves in order. */
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();

    ArrivalOrderAcks(AckSender sender, String routeId) {
        this.sender = sender;
        this.routeId = routeId;
    }

    /** Takes over the acknowledgement of {@code exchange}, created for {@code message} on the receiving thread. */
    void track(Exchange exchange, MqttMessage message) {
        // The stock acknowledgement is sent when its own exchange completes, in completion order.
        exchange.getExchangeExtension().handoverCompletions();
        exchange.getExchangeExtension().addOnCompletion(arrived(message));
    }

    /** The next message in arrival order; it is acknowledged once it and every earlier one are settled. */
    Synchronization arrived(MqttMessage message) {
        Slot slot = new Slot(message.getId(), message.getQos());
        synchronized (this) {
            pending.addLast(slot);
        }
        return slot;
    }

    /** The connection is gone: what it delivered and is not acknowledged yet comes again on the next one. */
    synchronized void connectionLost() {
        for (Slot slot : pending) {
            slot.stale = true;
        }
        pending.clear();
    }

    synchronized int pendingCount() {
        return pending.size();
    }

    private synchronized void settle(Slot slot, boolean acknowledge) {
        if (slot.stale || slot.settled) {
            return;
        }
        slot.settled = true;
        slot.acknowledge = acknowledge;
        while (!pending.isEmpty() && pending.peekFirst().settled) {
            Slot head = pending.pollFirst();
            if (head.acknowledge) {
                try {
                    sender.ack(head.messageId, head.qos);
                } catch (MqttException | RuntimeException e) {
                    // As the stock consumer does: the broker delivers it again after the next reconnect.
                    LOG.warn("Route {} could not acknowledge message {}: {}", routeId, head.messageId, e.getMessage());
                }
            }
        }
    }

    private final class Slot extends SynchronizationAdapter {
        private final int messageId;
        private final int qos;
        private boolean settled;
        private boolean acknowledge;
        private boolean stale;

        Slot(int messageId, int qos) {
            this.messageId = messageId;
            this.qos = qos;
        }

        @Override
        public void onComplete(Exchange exchange) {
            settle(this, true);
        }

        @Override
        public void onFailure(Exchange exchange) {
            settle(this, false);
        }
    }
}
