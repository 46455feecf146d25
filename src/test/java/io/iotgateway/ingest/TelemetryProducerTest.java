package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultMessage;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the ingest route continues once Kafka has a message's records, with Kafka's in-memory producer completing the
 * sends from a thread standing in for the client's I/O thread. The records going to a real broker are the ITs' part.
 */
class TelemetryProducerTest {

    private static final String IO_THREAD = "kafka-io-stand-in";

    private CamelContext camel;
    private MockProducer<Object, Object> kafka;
    private TelemetryProducer producer;
    private final AtomicBoolean hooksToCall = new AtomicBoolean();
    private final List<String> continuedOn = new CopyOnWriteArrayList<>();
    private final List<Boolean> continuedSync = new CopyOnWriteArrayList<>();

    @BeforeEach
    @SuppressWarnings({"unchecked", "rawtypes"})
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.start();
        kafka = new MockProducer<>(false, (Serializer) new StringSerializer(), (Serializer) new ByteArraySerializer());
        producer = new TelemetryProducer(
                camel.getEndpoint(
                        "kafka:device.telemetry?brokers=localhost:9&valueSerializer="
                                + ByteArraySerializer.class.getName(),
                        KafkaEndpoint.class),
                exchange -> hooksToCall.get());
        producer.setKafkaProducer(kafka);
        producer.start();
    }

    @AfterEach
    void stop() throws Exception {
        producer.stop();
        camel.stop();
    }

    @Test
    void continuesOnTheThreadOfTheLastAcknowledgementWhenNothingMayWait() throws Exception {
        Exchange exchange = batch();

        assertThat(send(exchange)).isFalse();
        assertThat(kafka.history())
                .extracting(ProducerRecord::topic, ProducerRecord::key)
                .containsExactly(tuple("device.telemetry", "bike-1"), tuple("device.status", "bike-1"));
        assertThat(headers(kafka.history().get(0))).containsExactly("x-family=bike");

        acknowledge(() -> kafka.completeNext());
        assertThat(continuedOn).isEmpty();
        acknowledge(() -> kafka.completeNext());

        assertThat(continuedOn).containsExactly(IO_THREAD);
        assertThat(continuedSync).containsExactly(false);
        assertThat(exchange.getException()).isNull();
    }

    @Test
    void handsTheRouteToAWorkerThreadWhenAHookIsToBeCalled() throws Exception {
        hooksToCall.set(true);
        Exchange exchange = batch();

        assertThat(send(exchange)).isFalse();
        acknowledge(() -> kafka.completeNext());
        acknowledge(() -> kafka.completeNext());

        await().atMost(Duration.ofSeconds(10)).until(() -> !continuedOn.isEmpty());
        assertThat(continuedOn).hasSize(1).doesNotContain(IO_THREAD);
        assertThat(exchange.getException()).isNull();
    }

    @Test
    void aRecordKafkaRefusedFailsTheExchangeOnAWorkerThread() throws Exception {
        Exchange exchange = batch();

        assertThat(send(exchange)).isFalse();
        acknowledge(() -> kafka.completeNext());
        acknowledge(() -> kafka.errorNext(new NetworkException("broker gone")));

        await().atMost(Duration.ofSeconds(10)).until(() -> !continuedOn.isEmpty());
        // the error policy may wait before it redelivers: never on the client's I/O thread
        assertThat(continuedOn).hasSize(1).doesNotContain(IO_THREAD);
        assertThat(exchange.getException()).isInstanceOf(NetworkException.class).hasMessage("broker gone");
    }

    @Test
    void aRedeliverySendsEachRecordToItsTopicAgain() throws Exception {
        Exchange exchange = batch();
        send(exchange);
        acknowledge(() -> kafka.errorNext(new NetworkException("broker gone")));
        acknowledge(() -> kafka.completeNext());
        await().atMost(Duration.ofSeconds(10)).until(() -> !continuedOn.isEmpty());

        exchange.setException(null);
        send(exchange);

        assertThat(kafka.history())
                .extracting(ProducerRecord::topic)
                .containsExactly("device.telemetry", "device.status", "device.telemetry", "device.status");
    }

    @Test
    void aRecordTheClientDoesNotTakeFailsTheExchangeAtOnce() throws Exception {
        kafka.sendException = new KafkaException("producer closed");
        Exchange exchange = batch();

        assertThat(send(exchange)).isTrue();

        assertThat(continuedSync).containsExactly(true);
        assertThat(exchange.getException()).hasMessage("producer closed");
    }

    @Test
    void aRecordThatCannotBeMadeAfterOneWasSentFailsTheExchangeOnce() throws Exception {
        Exchange exchange = batch();
        List<?> records = exchange.getMessage().getBody(List.class);
        ((Message) records.get(1)).setHeader(KafkaConstants.OVERRIDE_TIMESTAMP, "not a time");

        assertThat(send(exchange)).isTrue();
        assertThat(exchange.getException()).isNotNull();
        assertThat(kafka.history()).hasSize(1);

        // the record already handed over is acknowledged later: the exchange is not completed a second time
        acknowledge(() -> kafka.completeNext());
        assertThat(continuedSync).containsExactly(true);
    }

    private boolean send(Exchange exchange) {
        return producer.process(exchange, doneSync -> {
            continuedOn.add(Thread.currentThread().getName());
            continuedSync.add(doneSync);
        });
    }

    /** Completes a send as the Kafka client does: from its own thread. */
    private static void acknowledge(Runnable completion) throws InterruptedException {
        Thread io = new Thread(completion, IO_THREAD);
        io.start();
        io.join(Duration.ofSeconds(10).toMillis());
    }

    private Exchange batch() {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(List.of(record("device.telemetry"), record("device.status")));
        return exchange;
    }

    private Message record(String topic) {
        Message message = new DefaultMessage(camel);
        message.setBody("{}".getBytes(StandardCharsets.UTF_8));
        message.setHeader(KafkaConstants.KEY, "bike-1");
        message.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        message.setHeader("x-family", "bike");
        return message;
    }

    private static List<String> headers(ProducerRecord<Object, Object> record) {
        return Arrays.stream(record.headers().toArray())
                .map((Header header) -> header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8))
                .toList();
    }
}
