package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class WindowGaugesTest {

    private static Document window(String kind, String idField, String id, double avg, long count) {
        return new Document("kind", kind)
                .append(idField, id)
                .append("sensorType", "temperature")
                .append("avg", avg)
                .append("min", avg - 1)
                .append("max", avg + 1)
                .append("count", count);
    }

    @Test
    void placeWindowsAlwaysBecomeGaugesAndFollowTheLatestWindow() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        WindowGauges gauges = new WindowGauges(meters, false);

        gauges.record(window("place", "placeId", "room-1", 21.0, 4));
        gauges.record(window("place", "placeId", "room-1", 23.5, 6));

        assertThat(meters.get("gateway.aggregate.place.avg")
                        .tags("place", "room-1", "sensor_type", "temperature")
                        .gauge()
                        .value())
                .isEqualTo(23.5);
        assertThat(meters.get("gateway.aggregate.place.samples").gauge().value())
                .isEqualTo(6);
        assertThat(meters.get("gateway.aggregate.place.max").gauge().value()).isEqualTo(24.5);
    }

    @Test
    void deviceWindowsBecomeGaugesOnlyWhenOptedIn() {
        SimpleMeterRegistry bounded = new SimpleMeterRegistry();
        new WindowGauges(bounded, false).record(window("sensor", "deviceId", "thermo-1", 20.0, 3));
        assertThat(bounded.find("gateway.aggregate.sensor.avg").gauge()).isNull();

        SimpleMeterRegistry small = new SimpleMeterRegistry();
        new WindowGauges(small, true).record(window("sensor", "deviceId", "thermo-1", 20.0, 3));
        assertThat(small.get("gateway.aggregate.sensor.avg")
                        .tags("device", "thermo-1", "sensor_type", "temperature")
                        .gauge()
                        .value())
                .isEqualTo(20.0);
    }
}
