package io.iotgateway.telemetry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Stable record ids: the name-based (version 3) UUID of a record's topic, its part of the message and the bytes that
 * identify the message, so a redelivered message maps to the ids it had. The same value as
 * {@code UUID.nameUUIDFromBytes(topic + 0 + part + 0 + identity)}, which looks MD5 up in the security providers for
 * every call (a sixth of the mapping's time on the ingest path); each thread keeps its digest instead.
 */
public final class MessageIds {

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every Java platform", e);
        }
    });

    private MessageIds() {}

    public static String of(String topic, String part, byte[] identity) {
        MessageDigest md5 = MD5.get();
        md5.update(topic.getBytes(StandardCharsets.UTF_8));
        md5.update((byte) 0);
        md5.update(part.getBytes(StandardCharsets.UTF_8));
        md5.update((byte) 0);
        byte[] hash = md5.digest(identity);
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x30); // version 3: name-based, MD5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (hash[i] & 0xff);
            low = (low << 8) | (hash[i + 8] & 0xff);
        }
        return new UUID(high, low).toString();
    }
}
