package io.iotgateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.ReplaceOneModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.junit.jupiter.api.Test;

/** The raw BSON of a record is the document the Document path stores, and what it does not handle falls back. */
class RawRecordsTest {

    private static final String HEAD = "{\"messageId\":\"m-1\",\"deviceId\":\"bike-1\",\"sensorType\":\"speed\","
            + "\"value\":21.5,\"unit\":\"km/h\",\"timestamp\":\"2026-12-06T05:00:00.123456Z\","
            + "\"receivedAt\":\"2026-12-06T05:00:01.5Z\",\"family\":\"bike\",\"sourceTopic\":\"bike/bike-1/speed\"";

    @Test
    void writesWhatTheDocumentPathStores() {
        for (String json : new String[] {
            HEAD + "}",
            HEAD + ",\"metadata\":null}",
            HEAD + ",\"metadata\":{\"placeId\":\"lab\",\"tags\":[\"a\",1,2.5,true,null,{\"x\":[]}],\"on\":false,"
                    + "\"big\":3000000000,\"neg\":-7,\"exp\":1e3,\"s\":\"\\u00e9t\\u00e9 \\\"q\\\" \\n\"}}",
            "{\"messageId\":\"m-2\",\"value\":3,\"receivedAt\":\"2026-12-06T05:00:01Z\",\"deviceId\":\"d\","
                    + "\"timestamp\":\"1969-12-31T23:59:59.9995Z\"}"
        }) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            RawBsonDocument raw = RawRecords.read(body);
            assertThat(raw).as(json).isNotNull();
            Document decoded = raw.decode(new DocumentCodec());
            Document expected = SensorDataWriter.toDocument(body);
            assertThat(decoded).as(json).isEqualTo(expected);
            assertThat(new ArrayList<>(decoded.keySet())).as(json).isEqualTo(new ArrayList<>(expected.keySet()));
            expected.forEach((key, value) -> {
                if (value == null) {
                    assertThat(decoded.get(key)).as(json + " " + key).isNull();
                } else {
                    assertThat(decoded.get(key)).as(json + " " + key).isInstanceOf(value.getClass());
                }
            });
        }
    }

    @Test
    void leavesToTheDocumentPathWhatItDoesNotHandleAlike() {
        for (String json : new String[] {
            HEAD + ",\"metadata\":{\"when\":{\"$date\":\"2026-12-06T05:00:00Z\"}}}",
            HEAD + ",\"$set\":1}",
            HEAD + ",\"family\":\"twice\"}",
            "{\"deviceId\":\"bike-1\"," + HEAD.substring(1) + "}",
            HEAD.replace("\"timestamp\":\"2026-12-06T05:00:00.123456Z\",", "") + "}",
            HEAD.replace("2026-12-06T05:00:00.123456Z", "yesterday") + "}",
            HEAD.replace("\"bike-1\"", "42") + "}",
            HEAD + ",\"huge\":123456789012345678901234}",
            HEAD + "} trailing",
            HEAD,
            "[1,2]",
            ""
        }) {
            assertThat(RawRecords.read(json.getBytes(StandardCharsets.UTF_8)))
                    .as(json)
                    .isNull();
        }
    }

    @Test
    void theUpsertIsByMessageIdWithTheRawDocumentOrTheFallback() {
        var raw = (ReplaceOneModel<?>) SensorDataWriter.toWrite((HEAD + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(raw.getReplacement()).isInstanceOf(RawBsonDocument.class);
        assertThat(raw.getFilter().toBsonDocument().getString("_id").getValue()).isEqualTo("m-1");
        assertThat(raw.getReplaceOptions().isUpsert()).isTrue();

        var extended = (ReplaceOneModel<?>) SensorDataWriter.toWrite(
                (HEAD + ",\"metadata\":{\"n\":{\"$numberLong\":\"5\"}}}").getBytes(StandardCharsets.UTF_8));
        assertThat(extended.getReplacement()).isInstanceOf(Document.class);
        assertThat(((Document) extended.getReplacement())
                        .get("metadata", Document.class)
                        .get("n"))
                .isEqualTo(5L);
    }
}
