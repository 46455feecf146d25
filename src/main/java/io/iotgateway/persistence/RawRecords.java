package io.iotgateway.persistence;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.iotgateway.telemetry.Instants;
import java.io.IOException;
import org.bson.BsonBinaryWriter;
import org.bson.RawBsonDocument;
import org.bson.io.BasicOutputBuffer;

/**
 * Writes a canonical record's JSON straight into the BSON of its {@code sensorData} document, in one pass: no
 * {@code Document} tree, no codec looked up per value, and the MongoDB driver sends a {@link RawBsonDocument} as it is.
 * Building the tree and encoding it was half of the persistence consumer's time. The result equals
 * {@link SensorDataWriter#toDocument}'s (same fields, order and types: {@code _id} first, instants as dates).
 *
 * <p>Returns null for whatever it does not handle the same way, and the {@code Document} path then stores the record
 * or rejects it with the precise reason: extended JSON ({@code $}-keys), a duplicate key, {@code messageId} not the
 * first field (it becomes {@code _id}, which comes first), a missing or malformed field, malformed JSON.
 */
final class RawRecords {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private RawRecords() {}

    static RawBsonDocument read(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT
                    || parser.nextToken() != JsonToken.FIELD_NAME
                    || !"messageId".equals(parser.currentName())
                    || parser.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            BasicOutputBuffer buffer = new BasicOutputBuffer(body.length + 64);
            try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
                writer.writeStartDocument();
                writer.writeString("_id", parser.getText());
                int required = 0;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken token = parser.nextToken();
                    if (name.equals("timestamp") || name.equals("receivedAt")) {
                        if (token != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        writer.writeDateTime(
                                name, Instants.parse(parser.getText()).toEpochMilli());
                        required++;
                        continue;
                    }
                    if (name.equals("deviceId")) {
                        if (token != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        required++;
                    }
                    writer.writeName(name);
                    if (name.startsWith("$") || !value(parser, writer)) {
                        return null;
                    }
                }
                if (required != 3 || parser.nextToken() != null) {
                    return null;
                }
                writer.writeEndDocument();
            }
            return new RawBsonDocument(buffer.getInternalBuffer(), 0, buffer.getPosition());
        } catch (IOException | RuntimeException e) {
            // malformed JSON, a bad instant, a number too big: the Document path names the reason
            return null;
        }
    }

    /** Writes the value the parser is at; false when it uses extended JSON. */
    private static boolean value(JsonParser parser, BsonBinaryWriter writer) throws IOException {
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                writer.writeStartDocument();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    if (name.startsWith("$")) {
                        return false;
                    }
                    writer.writeName(name);
                    parser.nextToken();
                    if (!value(parser, writer)) {
                        return false;
                    }
                }
                writer.writeEndDocument();
            }
            case START_ARRAY -> {
                writer.writeStartArray();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (!value(parser, writer)) {
                        return false;
                    }
                }
                writer.writeEndArray();
            }
            case VALUE_STRING -> writer.writeString(parser.getText());
            case VALUE_NUMBER_INT -> {
                // as Document.parse: int32 where it fits, else int64; larger is refused by the Document path
                switch (parser.getNumberType()) {
                    case INT -> writer.writeInt32(parser.getIntValue());
                    case LONG -> writer.writeInt64(parser.getLongValue());
                    default -> {
                        return false;
                    }
                }
            }
            case VALUE_NUMBER_FLOAT -> writer.writeDouble(parser.getDoubleValue());
            case VALUE_TRUE -> writer.writeBoolean(true);
            case VALUE_FALSE -> writer.writeBoolean(false);
            case VALUE_NULL -> writer.writeNull();
            default -> {
                return false;
            }
        }
        return true;
    }
}
