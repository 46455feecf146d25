package io.iotgateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/** Reads what really landed in Kafka, and writes records as another producer would. */
public final class KafkaProbe {

    private final String bootstrap;

    public KafkaProbe(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** Waits (bounded) until {@code count} matching records are in {@code topic}, and returns all matching ones. */
    public List<ConsumerRecord<String, byte[]>> awaitRecords(
            String topic, Predicate<ConsumerRecord<String, byte[]>> matching, int count) {
        List<List<ConsumerRecord<String, byte[]>>> found = new ArrayList<>(List.of(List.of()));
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    found.set(0, read(topic, matching));
                    return found.get(0).size() >= count;
                });
        return found.get(0);
    }

    public List<ConsumerRecord<String, byte[]>> awaitKey(String topic, String key, int count) {
        return awaitRecords(topic, r -> key.equals(r.key()), count);
    }

    /** Every matching record currently in the topic, in partition order. */
    public List<ConsumerRecord<String, byte[]>> read(String topic, Predicate<ConsumerRecord<String, byte[]>> matching) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (matching.test(record)) {
                        out.add(record);
                    }
                }
            }
        }
        return out;
    }

    /** Reads what is written to {@code topic} from now on; cheaper than {@link #read} for many records. */
    public Tail tail(String topic) {
        return new Tail(topic);
    }

    /** A consumer positioned at the end of a topic when it was opened, keeping every later matching record. */
    public final class Tail implements AutoCloseable {

        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

        private Tail(String topic) {
            consumer = new KafkaConsumer<>(consumerConfig());
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolves the end offsets now, before anything is sent
        }

        /**
         * Reads until {@code count} records match or {@code atMost} passed, and returns the matching ones read so far
         * (the caller asserts how many).
         */
        public List<ConsumerRecord<String, byte[]>> awaitRecords(
                Predicate<ConsumerRecord<String, byte[]>> matching, int count, Duration atMost) {
            long deadline = System.nanoTime() + atMost.toNanos();
            List<ConsumerRecord<String, byte[]>> out =
                    new ArrayList<>(seen.stream().filter(matching).toList());
            while (out.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(record);
                    if (matching.test(record)) {
                        out.add(record);
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private Properties consumerConfig() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    public void send(String topic, String key, byte[] value) {
        send(topic, key, value, Map.of());
    }

    public void send(String topic, String key, byte[] value, Map<String, String> headers) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
