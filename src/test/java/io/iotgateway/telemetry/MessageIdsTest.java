package io.iotgateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    /** Ids of earlier versions stay valid: a message redelivered across an upgrade is still stored once. */
    @Test
    void isTheNameBasedUuidOfTopicPartAndIdentity() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            String topic = "devices/device-" + random.nextInt(1000) + "/telemetry";
            String part = i % 7 == 0 ? "Inputs/Pressure \u00b0C" : "temperature";
            byte[] identity = new byte[random.nextInt(300)];
            random.nextBytes(identity);
            ByteArrayOutputStream name = new ByteArrayOutputStream();
            name.writeBytes(topic.getBytes(StandardCharsets.UTF_8));
            name.write(0);
            name.writeBytes(part.getBytes(StandardCharsets.UTF_8));
            name.write(0);
            name.writeBytes(identity);
            assertThat(MessageIds.of(topic, part, identity))
                    .isEqualTo(UUID.nameUUIDFromBytes(name.toByteArray()).toString());
        }
    }
}
