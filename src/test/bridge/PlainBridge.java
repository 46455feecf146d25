import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The baseline the ingest benchmark compares the gateway with: what a team writes by hand. One Paho MQTT 5 async
 * client, one idempotent KafkaProducer with acks=all, the payload forwarded as it came, keyed by the topic's device id,
 * and the MQTT message acknowledged in the producer's callback (nothing is lost across a crash). No validation, no
 * mapping. One source file, run as a user runs such a script (Java's source launcher, the Paho and Kafka client jars on
 * the class path): {@code java -cp <jars> PlainBridge.java <mqtt url> <kafka bootstrap> <mqtt filter> <kafka topic>}.
 * Not compiled with the project: a second main class among the test classes would leave the sandbox
 * ({@code spring-boot:test-run}) unable to pick its own.
 */
public final class PlainBridge {

    private PlainBridge() {}

    public static void main(String[] args) throws Exception {
        String mqttUrl = args[0];
        String topic = args[3];
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config);

        MqttAsyncClient client = new MqttAsyncClient(mqttUrl, "plain-bridge", new MemoryPersistence());
        client.setManualAcks(true);
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String mqttTopic, MqttMessage message) {
                String[] levels = mqttTopic.split("/");
                String key = levels.length > 1 ? levels[1] : mqttTopic;
                int id = message.getId();
                int qos = message.getQos();
                producer.send(new ProducerRecord<>(topic, key, message.getPayload()), (metadata, error) -> {
                    if (error == null) {
                        acknowledge(client, id, qos);
                    } else {
                        // Not acknowledged: the broker redelivers it after the next connect.
                        System.err.println("send failed: " + error);
                    }
                });
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                System.err.println("disconnected: " + response);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                System.err.println("mqtt error: " + exception);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {}

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {}

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {}
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setReceiveMaximum(1000);
        client.connect(options).waitForCompletion();
        client.subscribe(args[2], 1).waitForCompletion();
        System.out.println("bridge ready");
        new CountDownLatch(1).await();
    }

    private static void acknowledge(MqttAsyncClient client, int id, int qos) {
        try {
            client.messageArrivedComplete(id, qos);
        } catch (MqttException e) {
            System.err.println("ack failed: " + e);
        }
    }
}
