package io.iotgateway.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Kafka cluster: three (or, for a benchmark, one) KRaft processes ({@code kafka.Kafka} from the test class path), each broker and
 * controller at once, so the metadata quorum has three voters and survives one of them. Topics are replicated three
 * times with {@code min.insync.replicas=2}, so {@code acks=all} means a record is on two brokers at least.
 *
 * <p>Each broker has two listeners: one the brokers replicate over (direct), and one for clients that advertises the
 * port of a {@link FaultyLink} in front of it, so a test can break the clients' way to every broker without breaking
 * replication. A broker can be killed (SIGKILL) and started again on its data.
 */
public final class KafkaCluster implements AutoCloseable {

    /** The fault suite's cluster: three brokers, so a partition keeps two in-sync replicas while one is down. */
    public static final int SIZE = 3;

    private final int size;
    private final Path dir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final int[] brokerPorts;
    private final int[] clientPorts;
    private final int[] controllerPorts;
    private final FaultyLink[] links;
    private final Process[] processes;
    private final int[] starts;
    private final Properties adminConfig = new Properties();
    private volatile Admin admin;

    private KafkaCluster(Path dir, int size) {
        this.size = size;
        this.dir = dir.toAbsolutePath();
        brokerPorts = new int[size];
        clientPorts = new int[size];
        controllerPorts = new int[size];
        starts = new int[size];
        links = new FaultyLink[size];
        processes = new Process[size];
        for (int i = 0; i < size; i++) {
            brokerPorts[i] = EmbeddedBrokers.freePort();
            clientPorts[i] = EmbeddedBrokers.freePort();
            controllerPorts[i] = EmbeddedBrokers.freePort();
            links[i] = new FaultyLink(EmbeddedBrokers.freePort(), clientPorts[i]);
        }
        // The test's own administration goes over the replication listeners: it keeps working while the links fail.
        adminConfig.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                Arrays.stream(brokerPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        // a request to a broker that was just killed is given up soon, and sent to another
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        this.admin = Admin.create(adminConfig);
    }

    /** The fault suite's three-broker cluster under {@code dir}, with {@code topics} created. */
    public static KafkaCluster start(Path dir, int partitions, String... topics) {
        return start(dir, SIZE, partitions, topics);
    }

    /**
     * Formats {@code brokers} data directories under {@code dir} with one cluster id, starts the brokers, creates the
     * topics replicated to every broker. One broker is the standalone Kafka a benchmark measures against.
     */
    public static KafkaCluster start(Path dir, int brokers, int partitions, String... topics) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(attempt == 1 ? dir : dir.resolve("retry-" + attempt), brokers, partitions, topics);
            } catch (PortTakenException e) {
                // A port found free was taken before the broker bound it (another process's ephemeral port): the
                // next attempt picks new ones. Any other failure fails at once.
                if (attempt == 3) {
                    throw new IllegalStateException("cannot start the Kafka cluster in " + dir, e);
                }
            }
        }
    }

    private static final class PortTakenException extends RuntimeException {
        PortTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static KafkaCluster startOnce(Path dir, int brokers, int partitions, String... topics) {
        KafkaCluster cluster = new KafkaCluster(dir, brokers);
        try {
            List<Process> formats = new ArrayList<>();
            for (int i = 0; i < brokers; i++) {
                Path properties = cluster.writeConfig(i);
                formats.add(cluster.java(
                                i,
                                "format",
                                "kafka.tools.StorageTool",
                                "format",
                                "-t",
                                cluster.clusterId,
                                "-c",
                                properties.toString())
                        .start());
            }
            for (Process format : formats) {
                if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                    throw new IllegalStateException("kafka storage format failed; see " + cluster.dir);
                }
            }
            for (int i = 0; i < brokers; i++) {
                cluster.launch(i);
            }
            cluster.awaitBrokers(brokers);
            cluster.admin
                    .createTopics(Arrays.stream(topics)
                            .map(t -> new NewTopic(t, partitions, (short) brokers))
                            .toList())
                    .all()
                    .get(60, TimeUnit.SECONDS);
            for (String topic : topics) {
                cluster.awaitFullyReplicated(topic, Duration.ofSeconds(60));
            }
            return cluster;
        } catch (Exception e) {
            cluster.close();
            if (cluster.aPortWasTaken()) {
                throw new PortTakenException("a broker of " + dir + " could not bind its port", e);
            }
            throw new IllegalStateException("cannot start the Kafka cluster in " + dir, e);
        }
    }

    private boolean aPortWasTaken() {
        for (int broker = 0; broker < starts.length; broker++) {
            try {
                Path log = log(broker);
                if (Files.exists(log) && Files.readString(log).contains("Address already in use")) {
                    return true;
                }
            } catch (IOException | UncheckedIOException e) {
                return false;
            }
        }
        return false;
    }

    /** The clients' bootstrap list: the links in front of all the brokers. */
    public String bootstrap() {
        return Arrays.stream(links).map(l -> "127.0.0.1:" + l.port()).collect(Collectors.joining(","));
    }

    /** The brokers' own listeners, no link in between: for measuring, where a proxy would be measured too. */
    public String directBootstrap() {
        return Arrays.stream(brokerPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** The brokers' operating-system process ids (for measuring their CPU). */
    public List<Long> pids() {
        return Arrays.stream(processes).map(Process::pid).toList();
    }

    public List<FaultyLink> links() {
        return List.of(links);
    }

    /** The node id of the broker leading {@code partition} of {@code topic} now (-1: none). */
    public int leaderOf(String topic, int partition) {
        Node leader = partition(topic, partition).leader();
        return leader == null ? -1 : leader.id();
    }

    /** The in-sync replicas of {@code partition} of {@code topic}. */
    public List<Integer> inSyncReplicas(String topic, int partition) {
        return partition(topic, partition).isr().stream().map(Node::id).toList();
    }

    /** SIGKILL: the broker is gone at once, nothing flushed, no controlled shutdown. Waits until the process ended. */
    public void kill(int broker) {
        Process process = processes[broker];
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("kafka broker " + broker + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a killed broker again on its data and waits until it is registered with the controller. */
    public void restart(int broker) {
        try {
            launch(broker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitBrokers(size);
    }

    public boolean isAlive(int broker) {
        return processes[broker] != null && processes[broker].isAlive();
    }

    /** Waits until every partition of {@code topic} has all three replicas in sync again. */
    public void awaitFullyReplicated(String topic, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> describe(topic).partitions().stream()
                        .allMatch(p -> p.isr().size() == size && p.leader() != null));
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        // The data is thrown away: no need for a controlled shutdown.
        for (Process process : processes) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
        for (Process process : processes) {
            if (process != null) {
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (FaultyLink link : links) {
            if (link != null) {
                link.close();
            }
        }
    }

    private TopicPartitionInfo partition(String topic, int partition) {
        return describe(topic).partitions().get(partition);
    }

    /**
     * Asked again until a broker answers (bounded): right after a broker is killed, a request the admin client had
     * sent to it can wait out its whole timeout (CI saw a 30 s one fail) while the other brokers would answer at once.
     * An attempt that times out replaces the admin client: CI once saw one client time out every attempt for two
     * minutes after a leader was killed, while the gateway's clients had found the new leader within 16 s.
     */
    private TopicDescription describe(String topic) {
        AtomicReference<TopicDescription> described = new AtomicReference<>();
        AtomicReference<Exception> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            described.set(admin.describeTopics(List.of(topic))
                                    .allTopicNames()
                                    .get(10, TimeUnit.SECONDS)
                                    .get(topic));
                            return true;
                        } catch (java.util.concurrent.TimeoutException e) {
                            last.set(e);
                            replaceAdmin();
                            return false;
                        } catch (ExecutionException e) {
                            last.set(e);
                            return false;
                        }
                    });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("cannot describe " + topic, last.get());
        }
        return described.get();
    }

    private synchronized void replaceAdmin() {
        Admin stuck = admin;
        admin = Admin.create(adminConfig);
        stuck.close(Duration.ZERO);
    }

    private void awaitBrokers(int count) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                // a broker that exited (a port taken, a bad config) will not register: fail now, not in 90 s
                .failFast("a kafka broker exited; see " + dir, this::aBrokerExited)
                .ignoreExceptions()
                .until(() ->
                        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= count);
    }

    private boolean aBrokerExited() {
        for (Process process : processes) {
            if (process != null && !process.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private void launch(int broker) throws IOException {
        starts[broker]++;
        processes[broker] = java(
                        broker,
                        "run-" + starts[broker],
                        "kafka.Kafka",
                        config(broker).toString())
                .start();
        Process process = processes[broker];
        // Should the test JVM end without closing the cluster (a killed fork), the brokers must not outlive it.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "kafka-broker-reaper"));
    }

    private ProcessBuilder java(int broker, String logName, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Three brokers share two cores with the gateway and the test: small heaps, a cheap collector.
                "-Xms128m",
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                GatewayProcess.testClassPath(),
                mainClass));
        command.addAll(List.of(args));
        Path log = dir.resolve("broker-" + broker + "-" + logName + ".log");
        Files.createDirectories(dir);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    private Path log(int broker) {
        return dir.resolve("broker-" + broker + "-run-" + starts[broker] + ".log");
    }

    private Path config(int broker) {
        return dir.resolve("broker-" + broker + ".properties");
    }

    private Path writeConfig(int broker) throws IOException {
        String voters = IntStream.range(0, size)
                .mapToObj(i -> i + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", Integer.toString(broker));
        settings.put("controller.quorum.voters", voters);
        settings.put(
                "listeners",
                "REPLICATION://127.0.0.1:" + brokerPorts[broker] + ",CLIENT://127.0.0.1:" + clientPorts[broker]
                        + ",CONTROLLER://127.0.0.1:" + controllerPorts[broker]);
        settings.put(
                "advertised.listeners",
                "REPLICATION://127.0.0.1:" + brokerPorts[broker] + ",CLIENT://127.0.0.1:" + links[broker].port());
        settings.put("listener.security.protocol.map", "REPLICATION:PLAINTEXT,CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("inter.broker.listener.name", "REPLICATION");
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put(
                "log.dirs",
                Files.createDirectories(dir.resolve("data-" + broker)).toString());
        // Every topic, the internal ones included, on all three brokers; a write needs two of them.
        settings.put("default.replication.factor", Integer.toString(size));
        settings.put("min.insync.replicas", Integer.toString(Math.min(2, size)));
        settings.put("offsets.topic.replication.factor", Integer.toString(size));
        settings.put("transaction.state.log.replication.factor", Integer.toString(size));
        settings.put("transaction.state.log.min.isr", "2");
        settings.put("auto.create.topics.enable", "true");
        settings.put("num.partitions", "1");
        // Fewer partitions for the internal topics: 50 each would be hundreds of replicas for two cores to keep.
        settings.put("offsets.topic.num.partitions", "10");
        settings.put("transaction.state.log.num.partitions", "10");
        settings.put("group.initial.rebalance.delay.ms", "0");
        StringBuilder text = new StringBuilder();
        settings.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Path file = config(broker);
        Files.writeString(file, text.toString());
        return file;
    }
}
