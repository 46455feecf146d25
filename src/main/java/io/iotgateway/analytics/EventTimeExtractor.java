package io.iotgateway.analytics;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time is the device's {@code timestamp}, not the time Kafka got the record: a device that buffered its
 * readings offline still lands them in the windows they belong to. A record without a valid timestamp (or that is not
 * a canonical record) is counted and left out of the analytics; persistence still stores it.
 */
final class EventTimeExtractor implements TimestampExtractor {

    private final Counter skipped;

    EventTimeExtractor(Counter skipped) {
        this.skipped = skipped;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof Reading reading && reading.timestamp() != null) {
            long time = reading.timestamp().toEpochMilli();
            if (time >= 0) {
                return time;
            }
        }
        skipped.increment();
        // Kafka Streams drops records with a negative timestamp (and counts them in its dropped-records metric).
        return -1;
    }
}
