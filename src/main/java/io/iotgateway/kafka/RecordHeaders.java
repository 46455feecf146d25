package io.iotgateway.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** A consumed Kafka record's own headers, as text (the gateway writes its headers as UTF-8). */
public final class RecordHeaders {

    private RecordHeaders() {}

    /** The header {@code name}, or null when the record has none. */
    public static String text(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /**
     * The header {@code name} of the record a camel-kafka consumer made {@code exchange} from, read from the record
     * itself: also where the endpoint copies no record header onto the exchange ({@link RecordHeadersIgnored}).
     */
    public static String text(Exchange exchange, String name) {
        return text(exchange.getMessage().getHeader(KafkaConstants.HEADERS, Headers.class), name);
    }
}
