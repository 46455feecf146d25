package io.iotgateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.bson.Document;
import org.bson.json.JsonParseException;
import org.junit.jupiter.api.Test;

class JsonDocumentsTest {

    @Test
    void readsRecordsAsDocumentParseDoes() {
        for (String json : new String[] {
            "{\"messageId\":\"m-1\",\"deviceId\":\"bike-1\",\"sensorType\":\"speed\",\"value\":21.5,\"unit\":\"km/h\","
                    + "\"timestamp\":\"2026-12-06T05:00:00Z\",\"receivedAt\":\"2026-12-06T05:00:01.5Z\","
                    + "\"family\":\"bike\",\"sourceTopic\":\"bike/bike-1/speed\",\"metadata\":null}",
            "{\"value\":3,\"big\":3000000000,\"neg\":-7,\"exp\":1e3,\"f\":-0.25}",
            "{\"metadata\":{\"placeId\":\"lab\",\"tags\":[\"a\",1,2.5,true,null,{\"x\":[]}],\"on\":false}}",
            "{}",
            "{\"metadata\":{\"when\":{\"$date\":\"2026-12-06T05:00:00Z\"}}}",
            "{\"id\":{\"$oid\":\"5f1b2c3d4e5f60718293a4b5\"}}",
            "{\"s\":\"\\u00e9t\\u00e9 \\\"quoted\\\" \\n\"}"
        }) {
            assertThat(JsonDocuments.read(json.getBytes(StandardCharsets.UTF_8)))
                    .as(json)
                    .isEqualTo(Document.parse(json));
        }
    }

    @Test
    void refusesWhatIsNotAJsonObject() {
        for (String json :
                new String[] {"{\"huge\":123456789012345678901234}", "[1,2]", "\"text\"", "{\"a\":", "{\"a\" 1}", ""}) {
            assertThatThrownBy(() -> JsonDocuments.read(json.getBytes(StandardCharsets.UTF_8)))
                    .as(json)
                    .isInstanceOfAny(IllegalArgumentException.class, JsonParseException.class);
        }
    }
}
