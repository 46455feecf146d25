package io.iotgateway.ingest;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.component.kafka.KafkaProducer;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * camel-kafka's producer for the canonical records, with one difference: once Kafka has acknowledged every record of
 * a device message, the ingest route carries on right there, on the Kafka client's I/O thread, when nothing on the
 * rest of its way can wait (it did not fail, so there is no redelivery delay, and no hook is to be called): what is
 * left is acknowledging the MQTT message and recording meters. camel-kafka always hands that to a worker thread, one
 * thread hand-over per message (docs/benchmarks.md). A failed send or a message with hooks still goes to the worker
 * pool. The records themselves are made by camel-kafka ({@link #createRecord}): topic, key, headers and serialisers
 * stay as configured.
 */
final class TelemetryProducer extends KafkaProducer {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryProducer.class);

    private final Predicate<Exchange> mayWait;

    /**
     * @param mayWait true for an exchange whose route, after a successful send, may still wait (e.g. call a hook);
     *     asked when the exchange's records are sent
     */
    TelemetryProducer(KafkaEndpoint endpoint, Predicate<Exchange> mayWait) {
        super(endpoint);
        this.mayWait = mayWait;
    }

    /**
     * The producer for {@code endpoint}: this one, or camel-kafka's own where the endpoint is configured for
     * synchronous sends or transactions (the gateway configures neither; camel-kafka wraps those producers itself).
     */
    static AsyncProducer of(KafkaEndpoint endpoint, Predicate<Exchange> mayWait) throws Exception {
        KafkaConfiguration configuration = endpoint.getConfiguration();
        boolean transactional = configuration.isTransacted()
                || (configuration.getTransactionalId() != null
                        && !configuration.getTransactionalId().isEmpty())
                || (configuration.getAdditionalProperties() != null
                        && configuration.getAdditionalProperties().containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        if (configuration.isSynchronous() || transactional) {
            return endpoint.createAsyncProducer();
        }
        return new TelemetryProducer(endpoint, mayWait);
    }

    @Override
    protected void doStart() throws Exception {
        KafkaConfiguration configuration = getEndpoint().getConfiguration();
        // Camel's default pool runs a task on the calling thread once 1,000 wait, and here that caller is the Kafka
        // client's I/O thread, where a redelivery's wait must never run. Unbounded instead: the MQTT receive maximum
        // bounds the messages in flight. It refuses work only once stopped.
        ExecutorService workers = getEndpoint()
                .getCamelContext()
                .getExecutorServiceManager()
                .newThreadPool(
                        this,
                        "KafkaProducer[" + configuration.getTopic() + "]",
                        new ThreadPoolProfileBuilder("telemetry-producer")
                                .poolSize(configuration.getWorkerPoolCoreSize())
                                .maxPoolSize(configuration.getWorkerPoolMaxSize())
                                .maxQueueSize(Integer.MAX_VALUE)
                                .rejectedPolicy(ThreadPoolRejectedPolicy.Abort)
                                .build());
        setWorkerPool(workers);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        // The client closes first: its last acknowledgements still find the workers.
        super.doStop();
        getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(getWorkerPool());
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        if (!(exchange.getMessage().getBody() instanceof List<?> batch) || !allMessages(batch)) {
            return super.process(exchange, callback);
        }
        Acknowledgements acks = new Acknowledgements(exchange, callback, batch.size());
        @SuppressWarnings("unchecked")
        Producer<Object, Object> client = getKafkaProducer();
        for (Object item : batch) {
            try {
                Message message = (Message) item;
                Object topic = message.getHeader(KafkaConstants.OVERRIDE_TOPIC);
                ProducerRecord<Object, Object> record = createRecord(exchange, message);
                if (topic != null) {
                    // createRecord removes it, and a redelivery sends the same messages again
                    message.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
                }
                client.send(record, acks);
            } catch (RuntimeException e) {
                // As camel-kafka: the exchange fails now (the error policy sends the message again); the records
                // already handed to the client complete without it.
                exchange.setException(e);
                callback.done(true);
                return true;
            }
        }
        return acks.allHandedOver();
    }

    private static boolean allMessages(List<?> batch) {
        if (batch.isEmpty()) {
            return false;
        }
        for (Object item : batch) {
            if (!(item instanceof Message)) {
                return false;
            }
        }
        return true;
    }

    /** Counts a message's records in; the last acknowledgement continues the route. */
    private final class Acknowledgements implements Callback {

        private final Exchange exchange;
        private final AsyncCallback callback;
        // One more than the records: the sending thread holds it until every record is handed over.
        private final AtomicInteger pending;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        // Asked here, on the sending thread: asking on Kafka's I/O thread read the exchange's properties from the
        // other core's cache, 3 % of the ingest's samples (docs/benchmarks.md). Hooks are planned before the send.
        private final boolean routeMayWait;

        Acknowledgements(Exchange exchange, AsyncCallback callback, int records) {
            this.exchange = exchange;
            this.callback = callback;
            this.pending = new AtomicInteger(records + 1);
            this.routeMayWait = mayWait.test(exchange);
        }

        /** The sender's part: true (done, on this thread) when Kafka already acknowledged every record. */
        boolean allHandedOver() {
            if (pending.decrementAndGet() > 0) {
                return false;
            }
            failed();
            callback.done(true);
            return true;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                failure.compareAndSet(null, exception);
            }
            if (pending.decrementAndGet() == 0) {
                continueRoute();
            }
        }

        private boolean failed() {
            Exception exception = failure.get();
            if (exception != null) {
                exchange.setException(exception);
                return true;
            }
            return false;
        }

        private void continueRoute() {
            if (!failed() && !routeMayWait) {
                try {
                    callback.done(false);
                } catch (RuntimeException e) {
                    // Kafka would only log it too; the message stays unacknowledged and comes again after a reconnect
                    LOG.error("Continuing the route of exchange {} after Kafka's acknowledgement failed", exchange, e);
                }
                return;
            }
            try {
                getWorkerPool().execute(() -> callback.done(false));
            } catch (RejectedExecutionException stopped) {
                callback.done(false); // the client is closed by now: no acknowledgement is left to wait for
            }
        }
    }
}
