package io.iotgateway.telemetry;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Writes a {@link TelemetryRecord} field by field, in the schema's order, leaving out null fields. The ingest path
 * writes every record once; Jackson's bean serializer with its Instant formatter was a quarter of the gateway's own
 * work per message there. The text is the one the bean serializer wrote (TelemetryRecordSerializerTest).
 */
final class TelemetryRecordSerializer extends StdSerializer<TelemetryRecord> {

    private static final SerializedString MESSAGE_ID = new SerializedString("messageId");
    private static final SerializedString DEVICE_ID = new SerializedString("deviceId");
    private static final SerializedString SENSOR_TYPE = new SerializedString("sensorType");
    private static final SerializedString VALUE = new SerializedString("value");
    private static final SerializedString UNIT = new SerializedString("unit");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString RECEIVED_AT = new SerializedString("receivedAt");
    private static final SerializedString FAMILY = new SerializedString("family");
    private static final SerializedString SOURCE_TOPIC = new SerializedString("sourceTopic");
    private static final SerializedString METADATA = new SerializedString("metadata");

    private static final TelemetryRecordSerializer INSTANCE = new TelemetryRecordSerializer();

    TelemetryRecordSerializer() {
        super(TelemetryRecord.class);
    }

    /**
     * The record's JSON as {@code json.writeValueAsBytes} writes it, without finding the serializer and setting up a
     * serialization per record: the ingest path writes every record, and its hot method stays smaller for the JIT.
     */
    static byte[] bytes(TelemetryRecord record, ObjectMapper json) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(json.getFactory()._getBufferRecycler());
        // the mapper's generator: its output settings apply as they do to writeValueAsBytes
        try (JsonGenerator out = json.createGenerator(bytes, JsonEncoding.UTF8)) {
            INSTANCE.serialize(record, out, json.getSerializerProviderInstance());
        } catch (IOException e) {
            // writes to memory only
            throw new UncheckedIOException(e);
        }
        byte[] written = bytes.toByteArray();
        bytes.release(); // its buffer back to the recycler (close() does not)
        return written;
    }

    @Override
    public void serialize(TelemetryRecord record, JsonGenerator out, SerializerProvider provider) throws IOException {
        out.writeStartObject(record);
        text(out, MESSAGE_ID, record.messageId());
        text(out, DEVICE_ID, record.deviceId());
        text(out, SENSOR_TYPE, record.sensorType());
        out.writeFieldName(VALUE);
        out.writeNumber(record.value());
        text(out, UNIT, record.unit());
        instant(out, TIMESTAMP, record.timestamp());
        instant(out, RECEIVED_AT, record.receivedAt());
        text(out, FAMILY, record.family());
        text(out, SOURCE_TOPIC, record.sourceTopic());
        if (record.metadata() != null) {
            out.writeFieldName(METADATA);
            record.metadata().serialize(out, provider);
        }
        out.writeEndObject();
    }

    private static void text(JsonGenerator out, SerializedString name, String value) throws IOException {
        if (value != null) {
            out.writeFieldName(name);
            out.writeString(value);
        }
    }

    private static void instant(JsonGenerator out, SerializedString name, Instant value) throws IOException {
        if (value != null) {
            out.writeFieldName(name);
            out.writeString(Instants.format(value));
        }
    }
}
