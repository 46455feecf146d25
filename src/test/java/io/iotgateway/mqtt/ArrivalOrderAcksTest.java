package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.camel.spi.Synchronization;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

class ArrivalOrderAcksTest {

    private final List<Integer> acked = new ArrayList<>();
    private final ArrivalOrderAcks acks = new ArrivalOrderAcks((id, qos) -> acked.add(id), "test-route");

    @Test
    void acknowledgesInArrivalOrderWhateverOrderTheExchangesFinishIn() {
        List<Synchronization> slots = arrive(5);

        slots.get(2).onComplete(null);
        assertThat(acked).as("message 3 waits for 1 and 2").isEmpty();
        slots.get(0).onComplete(null);
        assertThat(acked).containsExactly(1);
        slots.get(1).onComplete(null);
        assertThat(acked).containsExactly(1, 2, 3);
        slots.get(4).onComplete(null);
        assertThat(acked).containsExactly(1, 2, 3);
        slots.get(3).onComplete(null);
        assertThat(acked).containsExactly(1, 2, 3, 4, 5);
        assertThat(acks.pendingCount()).isZero();
    }

    @Test
    void aFailedMessageIsNotAcknowledgedAndDoesNotHoldBackTheOthers() {
        List<Synchronization> slots = arrive(3);

        slots.get(1).onComplete(null);
        slots.get(0).onFailure(null);
        slots.get(2).onComplete(null);

        assertThat(acked).containsExactly(2, 3);
    }

    @Test
    void messagesOfALostConnectionAreNotAcknowledgedOnTheNextOne() {
        List<Synchronization> before = arrive(2);
        acks.connectionLost();
        List<Synchronization> after = arrive(2);

        before.get(0).onComplete(null);
        before.get(1).onComplete(null);
        after.get(1).onComplete(null);
        assertThat(acked).isEmpty();
        after.get(0).onComplete(null);
        assertThat(acked).containsExactly(1, 2);
    }

    private List<Synchronization> arrive(int count) {
        List<Synchronization> slots = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            MqttMessage message = new MqttMessage(new byte[0], 1, false, null);
            message.setId(id);
            slots.add(acks.arrived(message));
        }
        return slots;
    }
}
