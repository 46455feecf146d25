package io.iotgateway.persistence;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.springframework.stereotype.Component;

/**
 * The header filter of the Kafka-to-MongoDB consumers ({@link KafkaToMongo}): a stored document is made of the record's
 * body alone, so the record's own headers are not copied onto each record's exchange (Camel's default filter runs a
 * regular expression per header per record: a tenth of the persistence consumer's thread). Camel's own headers
 * (topic, partition, key, the commit) are set by the consumer regardless of this filter.
 */
@Component(RecordHeadersIgnored.BEAN)
class RecordHeadersIgnored implements HeaderFilterStrategy {

    static final String BEAN = "kafkaRecordHeadersIgnored";

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return true;
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return true;
    }
}
