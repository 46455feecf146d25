package io.iotgateway.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The window and session stores' values in a compact binary form. Every record read by the analytics updates three
 * aggregates, each a read and a write of the store value, so this runs six times per record; JSON here was the
 * analytics' largest cost. Values written as JSON by earlier versions (still in the changelog topics after an
 * upgrade) are read as before: a JSON value starts with '{', a binary one with its format byte.
 */
final class SensorStatsSerde {

    static final byte FORMAT = 1;

    private SensorStatsSerde() {}

    static Serde<SensorStats> of(ObjectMapper json) {
        Serializer<SensorStats> serializer = (topic, stats) -> stats == null ? null : write(stats);
        Deserializer<SensorStats> deserializer = (topic, bytes) -> bytes == null ? null : read(json, bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static byte[] write(SensorStats stats) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + stats.sensors.size() * 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(stats.count);
            out.writeInt(stats.sensors.size());
            for (Map.Entry<String, Stats> sensor : stats.sensors.entrySet()) {
                Stats s = sensor.getValue();
                out.writeUTF(sensor.getKey());
                out.writeLong(s.count);
                out.writeDouble(s.sum);
                out.writeDouble(s.min);
                out.writeDouble(s.max);
                out.writeDouble(s.last);
                out.writeLong(s.lastAt);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    static SensorStats read(ObjectMapper json, byte[] bytes) {
        try {
            if (bytes.length > 0 && bytes[0] == '{') {
                SensorStats legacy = json.readValue(bytes, SensorStats.class);
                legacy.sensors = new TreeMap<>(legacy.sensors); // Jackson fills a map of its own
                return legacy;
            }
            if (bytes.length == 0 || bytes[0] != FORMAT) {
                throw new SerializationException("analytics store value in an unknown format"
                        + (bytes.length == 0 ? " (empty)" : " (first byte " + bytes[0] + ")"));
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1));
            SensorStats stats = new SensorStats();
            stats.count = in.readLong();
            int sensors = in.readInt();
            for (int i = 0; i < sensors; i++) {
                String type = in.readUTF();
                Stats s = new Stats();
                s.count = in.readLong();
                s.sum = in.readDouble();
                s.min = in.readDouble();
                s.max = in.readDouble();
                s.last = in.readDouble();
                s.lastAt = in.readLong();
                stats.sensors.put(type, s);
            }
            return stats;
        } catch (IOException e) {
            throw new SerializationException("analytics store value cannot be read: " + e.getMessage(), e);
        }
    }
}
