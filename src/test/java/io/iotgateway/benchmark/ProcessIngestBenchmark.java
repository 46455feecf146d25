package io.iotgateway.benchmark;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.iotgateway.support.DeliveryRecorder;
import io.iotgateway.support.DeviceFleet;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayProcess;
import io.iotgateway.support.InstalledTool;
import io.iotgateway.support.KafkaCluster;
import io.iotgateway.support.LoadResult;
import io.iotgateway.support.MosquittoBroker;
import io.iotgateway.support.SparkplugPayloads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ingest benchmark as users run the gateway: every part an operating-system process of its own (Debian's
 * Mosquitto, a Kafka broker from the Kafka jars, the gateway; MongoDB-wire server and the load in this JVM). In one
 * run it measures the limit (MQTT publish -> subscribe through the same broker), Kafka alone, the plain Java bridge a
 * team writes by hand ({@code src/test/bridge/PlainBridge.java}), the gateway with ingest only and the gateway as
 * shipped, and reports each as a ratio to the limit and to the bridge, with the CPU each process used per message
 * (from /proc). Run with {@code ./mvnw -Pbenchmark verify -Dtest=ProcessIngestBenchmark}; it asserts nothing about
 * time and writes {@code target/benchmark/process-ingest.md}.
 */
@Tag("benchmark")
class ProcessIngestBenchmark {

    private static final int DEVICES = Integer.getInteger("bench.devices", 100);
    private static final int MESSAGES = Integer.getInteger("bench.messages", 200_000);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 20_000);
    /** Whether each system gets a second max-rate run at the end ({@code -Dbench.settled=false}: not). */
    private static final boolean SETTLED = Boolean.parseBoolean(System.getProperty("bench.settled", "true"));

    private static final int FIXED_SECONDS = Integer.getInteger("bench.fixedSeconds", 20);
    private static final int PARTITIONS = 6;
    private static final String GATEWAY_TOPIC = "device.telemetry";
    /**
     * The as-shipped gateway's telemetry topic. Its persistence and analytics read from the earliest offset, so on
     * the ingest-only gateway's topic they would first work through that gateway's 760,000 records while being
     * measured; a topic of its own starts them as a fresh deployment starts.
     */
    private static final String SHIPPED_TOPIC = "shipped.telemetry";
    /** The as-shipped gateway's consumer groups that must keep up with ingest: MongoDB persistence, the analytics. */
    private static final List<String> SHIPPED_GROUPS = List.of("iot-gateway-persistence", "iot-gateway-analytics");

    private static final String BRIDGE_TOPIC = "bridge.telemetry";
    private static final Duration QUIET = Duration.ofSeconds(15);
    private static final Duration STOP = Duration.ofSeconds(60);
    private static final Path DIR = Path.of("target", "benchmark", "process");

    private final ObjectMapper json = new ObjectMapper();
    private final List<String> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<MachineShare> machineRows = new ArrayList<>();
    /** The processes around the measured one, by name, whose CPU each max-rate run reports too. */
    private final Map<String, List<Long>> around = new LinkedHashMap<>();

    @Test
    void ingest() throws Exception {
        InstalledTool.require(
                MosquittoBroker.installed(), () -> "the benchmark needs Mosquitto (apt install mosquitto)");
        deleteDirectory(DIR);
        MongoServer mongo = new MongoServer(new MemoryBackend());
        int mongoPort = EmbeddedBrokers.freePort();
        mongo.bind("127.0.0.1", mongoPort);
        try (MosquittoBroker mqtt = MosquittoBroker.startIfInstalled();
                KafkaCluster kafka = KafkaCluster.start(
                        DIR.resolve("kafka"),
                        1,
                        PARTITIONS,
                        GATEWAY_TOPIC,
                        SHIPPED_TOPIC,
                        BRIDGE_TOPIC,
                        "device.telemetry.dlq")) {
            String bootstrap = kafka.directBootstrap();
            around.put("Kafka broker", kafka.pids());
            around.put("Mosquitto", List.of(mqtt.pid()));
            around.put(
                    "benchmark JVM (devices, Kafka reader, MongoDB-wire server)",
                    List.of(ProcessHandle.current().pid()));
            Loads loads = new Loads(mqtt.url(), bootstrap);
            LoadResult limit = loads.mqttOnly();
            loads.kafkaOnlyP99(1_000, "warm-up"); // a cold broker and producer measured 129 ms here
            double kafkaP99 = loads.kafkaOnlyP99(1_000, "");

            Measured bridge;
            try (BridgeProcess process = BridgeProcess.start(mqtt.url(), bootstrap, BRIDGE_TOPIC)) {
                bridge = loads.measureAll(
                        "plain Java bridge", process.pid(), BRIDGE_TOPIC, PlainPayload::of, true, List.of());
            }
            Map<String, String> ingestOnly = gatewaySettings(mqtt.url(), bootstrap, mongoPort);
            ingestOnly.put("gateway.persistence.enabled", "false");
            ingestOnly.put("gateway.analytics.enabled", "false");
            ingestOnly.put("gateway.live.enabled", "false");
            ingestOnly.put("gateway.commands.enabled", "false");
            ingestOnly.put("gateway.twins.enabled", "false");
            Measured gatewayIngest;
            Measured sparkplug;
            double startupSeconds;
            double startupCpuSeconds;
            long started = System.nanoTime();
            try (GatewayProcess gateway = GatewayProcess.startAsShipped(ingestOnly, DIR.resolve("gateway.log"))) {
                loads.awaitFirstRecord(GATEWAY_TOPIC);
                startupSeconds = (System.nanoTime() - started) / 1e9;
                startupCpuSeconds = ProcessCpu.millis(gateway.pid()) / 1000.0;
                gatewayIngest = loads.measureAll(
                        "iot-gateway, ingest only",
                        gateway.pid(),
                        GATEWAY_TOPIC,
                        CanonicalPayload::of,
                        true,
                        List.of());
                sparkplug = loads.sparkplug("iot-gateway, ingest only, Sparkplug B NDATA", gateway.pid());
                gateway.terminate(STOP); // gracefully: a JFR recording (-Dgateway.jvmOptions) is written at exit
            }
            Measured gatewayShipped;
            Map<String, String> shipped = gatewaySettings(mqtt.url(), bootstrap, mongoPort);
            shipped.put("gateway.topics.telemetry", SHIPPED_TOPIC);
            try (GatewayProcess gateway = GatewayProcess.startAsShipped(shipped, DIR.resolve("gateway-all.log"))) {
                loads.awaitFirstRecord(SHIPPED_TOPIC);
                gatewayShipped = loads.measureAll(
                        "iot-gateway as shipped (all features on)",
                        gateway.pid(),
                        SHIPPED_TOPIC,
                        CanonicalPayload::of,
                        false,
                        SHIPPED_GROUPS);
                gateway.terminate(STOP);
            }
            write(limit, kafkaP99, bridge, gatewayIngest, sparkplug, gatewayShipped, startupSeconds, startupCpuSeconds);
        } finally {
            mongo.shutdownNow();
        }
    }

    /**
     * Start-up of the production jar, every feature on, to its first record in Kafka with the brokers up: run as
     * {@code java -jar}, extracted ({@code -Djarmode=tools extract}), and extracted with a class data sharing archive
     * trained two ways (to the context refresh, as the container image does, and through a first record). Needs the
     * packaged jar ({@code ./mvnw package -DskipTests}, or {@code -Dgateway.jar}); writes
     * {@code target/benchmark/startup.md}. Run with {@code -Dtest=ProcessIngestBenchmark#startup}.
     */
    @Test
    void startup() throws Exception {
        InstalledTool.require(
                MosquittoBroker.installed(), () -> "the benchmark needs Mosquitto (apt install mosquitto)");
        Path jar = productionJar();
        Path dir = DIR.resolveSibling("startup");
        deleteDirectory(dir);
        Files.createDirectories(dir);
        Path extracted = dir.resolve("extracted").toAbsolutePath();
        runJava(
                dir.resolve("extract.log"),
                "-Djarmode=tools",
                "-jar",
                jar.toString(),
                "extract",
                "--destination",
                extracted.toString());
        Path app = extracted.resolve(jar.getFileName());
        int rounds = Integer.getInteger("bench.startRounds", 3);
        MongoServer mongo = new MongoServer(new MemoryBackend());
        int mongoPort = EmbeddedBrokers.freePort();
        mongo.bind("127.0.0.1", mongoPort);
        try (MosquittoBroker mqtt = MosquittoBroker.startIfInstalled();
                KafkaCluster kafka = KafkaCluster.start(
                        dir.resolve("kafka"), 1, PARTITIONS, GATEWAY_TOPIC, "device.telemetry.dlq")) {
            Loads loads = new Loads(mqtt.url(), kafka.directBootstrap());
            Map<String, String> settings = gatewaySettings(mqtt.url(), kafka.directBootstrap(), mongoPort);

            Path refreshArchive = dir.resolve("trained-to-refresh.jsa").toAbsolutePath();
            try (GatewayProcess training = GatewayProcess.startJar(
                    app,
                    List.of("-XX:ArchiveClassesAtExit=" + refreshArchive, "-Dspring.context.exit=onRefresh"),
                    settings,
                    dir.resolve("training-refresh.log"))) {
                training.awaitExit(Duration.ofMinutes(3));
            }
            Path recordArchive = dir.resolve("trained-to-first-record.jsa").toAbsolutePath();
            try (GatewayProcess training = GatewayProcess.startJar(
                    app,
                    List.of("-XX:ArchiveClassesAtExit=" + recordArchive),
                    settings,
                    dir.resolve("training-record.log"))) {
                loads.awaitFirstRecord(GATEWAY_TOPIC);
                training.terminate(STOP); // the archive is written as the JVM exits
            }

            Map<String, List<String>> ways = new LinkedHashMap<>();
            ways.put("java -jar (the packaged jar)", List.of(jar.toString()));
            ways.put("extracted", List.of(app.toString()));
            ways.put(
                    "extracted + CDS trained to context refresh (as the image)",
                    List.of(app.toString(), "-XX:SharedArchiveFile=" + refreshArchive));
            ways.put(
                    "extracted + CDS trained through a first record",
                    List.of(app.toString(), "-XX:SharedArchiveFile=" + recordArchive));
            StringBuilder out = new StringBuilder();
            out.append("## Start-up benchmark, production jar, ")
                    .append(LocalDate.now())
                    .append("\n\n")
                    .append(String.format(
                            Locale.ROOT,
                            "Machine: %d cores, Java %s. Every feature on, Mosquitto and one Kafka broker up as"
                                    + " processes, MongoDB-wire server in the benchmark's JVM. Time from starting"
                                    + " the process to the first record of a probe message in Kafka, and the CPU"
                                    + " the process used until then; %d starts each, in turns.%n%n",
                            ManagementFactory.getOperatingSystemMXBean().getAvailableProcessors(),
                            System.getProperty("java.version"),
                            rounds))
                    .append("| how it runs | seconds to first record | median | CPU s (median) |\n")
                    .append("|---|---|---|---|\n");
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                int n = 0;
                for (Map.Entry<String, List<String>> way : ways.entrySet()) {
                    Path log = dir.resolve("start-" + n++ + "-" + round + ".log");
                    long started = System.nanoTime();
                    try (GatewayProcess gateway = GatewayProcess.startJar(
                            Path.of(way.getValue().get(0)),
                            way.getValue().subList(1, way.getValue().size()),
                            settings,
                            log)) {
                        loads.awaitFirstRecord(GATEWAY_TOPIC);
                        double seconds = (System.nanoTime() - started) / 1e9;
                        double cpu = ProcessCpu.millis(gateway.pid()) / 1000.0;
                        results.computeIfAbsent(way.getKey(), k -> new ArrayList<>())
                                .add(new double[] {seconds, cpu});
                        gateway.terminate(STOP);
                    }
                }
            }
            results.forEach((way, runs) -> out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.1f | %.1f |%n",
                    way,
                    String.join(
                            ", ",
                            runs.stream()
                                    .map(r -> String.format(Locale.ROOT, "%.1f", r[0]))
                                    .toList()),
                    median(runs, 0),
                    median(runs, 1))));
            Path report = Path.of("target", "benchmark", "startup.md");
            Files.writeString(report, out.toString());
            System.out.println(out);
        } finally {
            mongo.shutdownNow();
        }
    }

    private static double median(List<double[]> runs, int column) {
        double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }

    /** The jar the build packaged (or {@code -Dgateway.jar}). */
    private static Path productionJar() throws IOException {
        String given = System.getProperty("gateway.jar", "").strip();
        if (!given.isEmpty()) {
            return Path.of(given).toAbsolutePath();
        }
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("iot-gateway-.*\\.jar"))
                    .filter(f -> !f.getFileName().toString().endsWith("-plain.jar"))
                    .findFirst()
                    .map(Path::toAbsolutePath)
                    .orElseThrow(() -> new IllegalStateException(
                            "no packaged jar in target/: run ./mvnw package -DskipTests first, or give -Dgateway.jar"));
        }
    }

    private static void runJava(Path log, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed; see " + log);
        }
    }

    private static Map<String, String> gatewaySettings(String mqttUrl, String kafka, int mongoPort) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("gateway.mqtt.broker-url", mqttUrl);
        settings.put(
                "gateway.mqtt.client-id",
                "gw-bench-" + UUID.randomUUID().toString().substring(0, 8));
        settings.put("camel.component.kafka.brokers", kafka);
        settings.put("spring.data.mongodb.uri", "mongodb://127.0.0.1:" + mongoPort + "/iot");
        settings.put("gateway.ingest.rate-limit.per-device", "0");
        settings.put("gateway.security.admin-password", "benchmark-admin-secret");
        return settings;
    }

    /**
     * A measured system: its max-rate run, its fixed-rate runs and the CPU its process used per 1,000 messages, with
     * the JIT compiler's and the garbage collector's share of it; and a second max-rate run after all of those, when
     * the JIT has compiled what the first one left to it ({@code settled}, null when not run).
     */
    private record Measured(
            LoadResult max,
            double cpuMillisPer1000,
            double jitMillisPer1000,
            double gcMillisPer1000,
            LoadResult at1000,
            LoadResult at5000,
            Cpu settled) {}

    /** A max-rate run and the CPU its process used per 1,000 messages delivered, with the JIT's share. */
    private record Cpu(LoadResult run, double millisPer1000, double jitMillisPer1000) {}

    /**
     * The machine's CPU at one moment: its busy time, the measured process's and that of the processes around it (the
     * brokers, the benchmark's own JVM). On a two-core machine they compete for the same cores, so a system's rate is
     * also limited by what the others spend per message.
     */
    private record MachineCpu(long nanos, long busy, long measured, long[] around) {

        static MachineCpu take(long pid, Collection<List<Long>> around) {
            return new MachineCpu(
                    System.nanoTime(),
                    ProcessCpu.machineBusyMillis(),
                    ProcessCpu.millis(pid),
                    around.stream()
                            .mapToLong(pids ->
                                    pids.stream().mapToLong(ProcessCpu::millis).sum())
                            .toArray());
        }

        /** What the machine spent from {@code before} to this moment, per 1,000 of the {@code messages} delivered. */
        MachineShare since(MachineCpu before, String name, long messages) {
            double per1000 = 1000.0 / Math.max(1, messages);
            long accounted = measured - before.measured;
            double[] aroundPer1000 = new double[around.length];
            for (int i = 0; i < around.length; i++) {
                long used = around[i] - before.around[i];
                accounted += used;
                aroundPer1000[i] = used * per1000;
            }
            return new MachineShare(
                    name,
                    (busy - before.busy) / ((nanos - before.nanos) / 1e6),
                    (measured - before.measured) * per1000,
                    aroundPer1000,
                    (busy - before.busy - accounted) * per1000);
        }
    }

    /**
     * One max-rate run's use of the machine: the cores busy on average and the CPU ms per 1,000 messages of the measured
     * process, of each process around it and of the rest of the machine.
     */
    private record MachineShare(String name, double coresBusy, double measured, double[] around, double rest) {

        /**
         * The row, ending with the rate the machine's cores would allow if the measured process cost nothing: what the
         * others spend per message bounds every system measured on this machine, however lean.
         */
        String row(int cores, double limitRate) {
            StringBuilder row =
                    new StringBuilder(String.format(Locale.ROOT, "| %s | %.2f | %.0f |", name, coresBusy, measured));
            double others = rest;
            for (double used : around) {
                others += used;
                row.append(String.format(Locale.ROOT, " %.0f |", used));
            }
            double ceiling = cores * 1_000_000.0 / Math.max(1, others);
            return row.append(String.format(Locale.ROOT, " %.0f | %.0f | %.2f |", rest, ceiling, ceiling / limitRate))
                    .toString();
        }
    }

    /** The load, the Kafka reader and the accounting, shared by every system measured. */
    private final class Loads {

        private final String mqttUrl;
        private final String kafka;

        Loads(String mqttUrl, String kafka) {
            this.mqttUrl = mqttUrl;
            this.kafka = kafka;
        }

        LoadResult mqttOnly() throws Exception {
            mqttOnly("warm-up", WARMUP / DEVICES);
            LoadResult result = mqttOnly("MQTT pub -> sub (the limit), max rate", MESSAGES / DEVICES);
            rows.add(result.row() + " - |");
            return result;
        }

        private LoadResult mqttOnly(String name, int perDevice) throws Exception {
            String run = UUID.randomUUID().toString().substring(0, 8);
            DeliveryRecorder recorder = new DeliveryRecorder();
            MqttClient subscriber = new MqttClient(mqttUrl, "bench-sub-" + run, new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            subscriber.connect(options);
            subscriber.subscribe(
                    new MqttSubscription[] {new MqttSubscription("limit/" + run + "/+/telemetry", 1)},
                    new IMqttMessageListener[] {
                        (topic, message) ->
                                PlainPayload.of(json, message.getPayload()).record(recorder)
                    });
            try (DeviceFleet fleet =
                    new DeviceFleet(mqttUrl, DEVICES, "bench-l-" + run, i -> "limit/" + run + "/" + i + "/telemetry")) {
                return measure(name, fleet, recorder, perDevice, 0);
            } finally {
                subscriber.disconnect();
                subscriber.close();
            }
        }

        /** p99 of an acks=all producer to a consumer at {@code rate} msg/s: what any MQTT-to-Kafka path adds to. */
        double kafkaOnlyP99(int rate, String warmUp) throws Exception {
            DeliveryRecorder recorder = new DeliveryRecorder();
            String run = UUID.randomUUID().toString().substring(0, 8);
            Properties config = new Properties();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            int total = rate * FIXED_SECONDS;
            long interval = 1_000_000_000L / rate;
            try (Sink sink = new Sink(BRIDGE_TOPIC, "kafka-" + run, PlainPayload::of, recorder);
                    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
                long start = System.nanoTime();
                for (int n = 0; n < total; n++) {
                    long due = start + n * interval;
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    int device = n % DEVICES;
                    byte[] payload = ("{\"device\":" + device + ",\"value\":" + (n / DEVICES) + ",\"sentNanos\":"
                                    + System.nanoTime() + "}")
                            .getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(BRIDGE_TOPIC, "kafka-" + run + "-" + device, payload));
                }
                producer.flush();
                awaitDelivered(recorder, total);
                LoadResult result = recorder.result(
                        "Kafka alone, producer -> consumer, " + rate + " msg/s"
                                + (warmUp.isEmpty() ? "" : ", " + warmUp),
                        total,
                        start);
                if (warmUp.isEmpty()) {
                    rows.add(result.row() + " - |");
                }
                return result.p99Millis();
            }
        }

        /**
         * A system's runs; {@code groups} are its consumer groups of {@code topic} whose lag after the first max-rate
         * run is reported (they must keep up with ingest, not only ingest keep up with the devices).
         */
        Measured measureAll(
                String name, long pid, String topic, PayloadReader reader, boolean fixedRates, List<String> groups)
                throws Exception {
            run("warm-up", topic, reader, WARMUP / DEVICES, 0);
            List<ConsumerLag> lags = new ArrayList<>();
            Cpu first;
            long gcBefore;
            try {
                for (String group : groups) {
                    lags.add(new ConsumerLag(kafka, group, topic));
                }
                gcBefore = ProcessCpu.threadMillis(pid, ProcessCpu.GC);
                first = maxRate(name + ", max rate", pid, topic, reader);
                long runEnd = System.nanoTime();
                long[] behind = new long[lags.size()];
                for (int i = 0; i < lags.size(); i++) {
                    behind[i] = lags.get(i).lag();
                }
                ConsumerLag.awaitCaughtUp(lags, runEnd);
                double ingestSeconds = first.run().received() / first.run().throughputPerSecond();
                for (int i = 0; i < lags.size(); i++) {
                    double perSecond = lags.get(i).recordsPerSecond(ingestSeconds);
                    notes.add(String.format(
                            Locale.ROOT,
                            "%s, consumer group %s: %,d records behind when the benchmark's reader had the max-rate"
                                    + " run's last record; all processed and committed %.1f s after that (%,.0f records/s"
                                    + " over the run and the catch-up, against %,.0f msg/s ingested)",
                            name,
                            groups.get(i),
                            behind[i],
                            lags.get(i).catchUpSeconds(),
                            perSecond,
                            first.run().throughputPerSecond()));
                }
            } finally {
                lags.forEach(ConsumerLag::close);
            }
            double gcPer1000 = (ProcessCpu.threadMillis(pid, ProcessCpu.GC) - gcBefore)
                    * 1000.0
                    / Math.max(1, first.run().received());
            LoadResult at1000 = null;
            LoadResult at5000 = null;
            if (fixedRates) {
                at1000 = run(name + ", 1,000 msg/s", topic, reader, 1_000 * FIXED_SECONDS / DEVICES, 1_000);
                rows.add(at1000.row() + " - |");
                at5000 = run(name + ", 5,000 msg/s", topic, reader, 5_000 * FIXED_SECONDS / DEVICES, 5_000);
                rows.add(at5000.row() + " - |");
            }
            // What the figures leave out: the same run once the JIT has caught up (a long-running process).
            Cpu settled = SETTLED ? maxRate(name + ", max rate again (JIT settled)", pid, topic, reader) : null;
            return new Measured(
                    first.run(), first.millisPer1000(), first.jitMillisPer1000(), gcPer1000, at1000, at5000, settled);
        }

        private Cpu maxRate(String name, long pid, String topic, PayloadReader reader) throws Exception {
            long cpuBefore = ProcessCpu.millis(pid);
            long jitBefore = ProcessCpu.threadMillis(pid, ProcessCpu.JIT);
            MachineCpu machineBefore = MachineCpu.take(pid, around.values());
            LoadResult max = run(name, topic, reader, MESSAGES / DEVICES, 0);
            machineRows.add(MachineCpu.take(pid, around.values()).since(machineBefore, name, max.received()));
            double per1000 = 1000.0 / Math.max(1, max.received());
            double cpuPer1000 = (ProcessCpu.millis(pid) - cpuBefore) * per1000;
            rows.add(max.row() + String.format(Locale.ROOT, " %.0f |", cpuPer1000));
            return new Cpu(max, cpuPer1000, (ProcessCpu.threadMillis(pid, ProcessCpu.JIT) - jitBefore) * per1000);
        }

        /**
         * Sparkplug B edge nodes, one per device connection, each born (NBIRTH) and then sending NDATA with one metric
         * by alias (Int64, the message number) and a seq that continues across the runs; measured like measureAll's
         * max-rate run, after a warm-up. A record's latency is taken from its Sparkplug timestamp (milliseconds).
         */
        Measured sparkplug(String name, long pid) throws Exception {
            String group = "b" + UUID.randomUUID().toString().substring(0, 8);
            int[] nextSeq = new int[DEVICES];
            SparkplugBPayloadEncoder encoder = new SparkplugBPayloadEncoder();
            DeviceFleet.Payloads data = (device, sequence) -> {
                try {
                    SparkplugBPayload payload = SparkplugPayloads.payload(
                            (long) (nextSeq[device]++ % 256),
                            SparkplugPayloads.metric(null, 1L, MetricDataType.Int64, (long) sequence));
                    return encoder.getBytes(payload, true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            try (DeviceFleet fleet = new DeviceFleet(
                    mqttUrl,
                    DEVICES,
                    "bench-" + group,
                    i -> "spBv1.0/" + group + "/NDATA/node-" + i,
                    DeviceFleet.Options.benchmark().payloads(data))) {
                born(group, nextSeq);
                DeliveryRecorder warmUp = new DeliveryRecorder();
                try (Sink sink = new Sink(GATEWAY_TOPIC, group + "/", SparkplugRecord::of, warmUp)) {
                    measure("warm-up", fleet, warmUp, WARMUP / DEVICES, 0);
                }
                long cpuBefore = ProcessCpu.millis(pid);
                long jitBefore = ProcessCpu.threadMillis(pid, ProcessCpu.JIT);
                long gcBefore = ProcessCpu.threadMillis(pid, ProcessCpu.GC);
                DeliveryRecorder recorder = new DeliveryRecorder();
                LoadResult max;
                try (Sink sink = new Sink(GATEWAY_TOPIC, group + "/", SparkplugRecord::of, recorder)) {
                    max = measure(name + ", max rate", fleet, recorder, MESSAGES / DEVICES, 0);
                }
                double per1000 = 1000.0 / Math.max(1, max.received());
                double cpuPer1000 = (ProcessCpu.millis(pid) - cpuBefore) * per1000;
                rows.add(max.row() + String.format(Locale.ROOT, " %.0f |", cpuPer1000));
                return new Measured(
                        max,
                        cpuPer1000,
                        (ProcessCpu.threadMillis(pid, ProcessCpu.JIT) - jitBefore) * per1000,
                        (ProcessCpu.threadMillis(pid, ProcessCpu.GC) - gcBefore) * per1000,
                        null,
                        null,
                        null);
            }
        }

        /** Every node's NBIRTH (seq 0, metric alias 1), and waits until the gateway has forwarded each birth's record. */
        private void born(String group, int[] nextSeq) throws Exception {
            DeliveryRecorder births = new DeliveryRecorder();
            SparkplugBPayloadEncoder encoder = new SparkplugBPayloadEncoder();
            MqttClient node = new MqttClient(mqttUrl, "bench-birth-" + group, new MemoryPersistence());
            node.connect();
            try (Sink sink = new Sink(GATEWAY_TOPIC, group + "/", SparkplugRecord::of, births)) {
                for (int i = 0; i < DEVICES; i++) {
                    SparkplugBPayload payload = SparkplugPayloads.payload(
                            0L,
                            SparkplugPayloads.metric("bdSeq", null, MetricDataType.Int64, 0L),
                            SparkplugPayloads.metric("counter", 1L, MetricDataType.Int64, 0L));
                    node.publish("spBv1.0/" + group + "/NBIRTH/node-" + i, encoder.getBytes(payload, false), 1, false);
                    nextSeq[i] = 1;
                }
                // a birth's metrics are records too: one "counter" record per node
                await().atMost(Duration.ofMinutes(2)).until(() -> births.received() >= DEVICES);
            } finally {
                node.disconnect();
                node.close();
            }
        }

        private LoadResult run(String name, String topic, PayloadReader reader, int perDevice, int rate)
                throws Exception {
            String run = UUID.randomUUID().toString().substring(0, 8);
            DeliveryRecorder recorder = new DeliveryRecorder();
            try (Sink sink = new Sink(topic, "bench-" + run + "-", reader, recorder);
                    DeviceFleet fleet = new DeviceFleet(
                            mqttUrl, DEVICES, "bench-" + run, i -> "devices/bench-" + run + "-" + i + "/telemetry")) {
                return measure(name, fleet, recorder, perDevice, rate);
            }
        }

        /** Publishes a probe every 100 ms until a record of it is in Kafka: the gateway forwards. */
        void awaitFirstRecord(String topic) throws Exception {
            String run = UUID.randomUUID().toString().substring(0, 8);
            DeliveryRecorder recorder = new DeliveryRecorder();
            MqttClient probe = new MqttClient(mqttUrl, "bench-probe-" + run, new MemoryPersistence());
            probe.connect();
            try (Sink sink = new Sink(topic, "bench-" + run + "-", CanonicalPayload::of, recorder)) {
                AtomicLong sent = new AtomicLong();
                await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            if (recorder.received() > 0) {
                                return true;
                            }
                            String payload = "{\"sensorType\":\"bench\",\"value\":" + sent.getAndIncrement()
                                    + ",\"device\":0,\"sentNanos\":" + System.nanoTime() + "}";
                            probe.publish(
                                    "devices/bench-" + run + "-0/telemetry",
                                    payload.getBytes(StandardCharsets.UTF_8),
                                    1,
                                    false);
                            return false;
                        });
            } finally {
                probe.disconnect();
                probe.close();
            }
        }

        private LoadResult measure(String name, DeviceFleet fleet, DeliveryRecorder recorder, int perDevice, int rate)
                throws Exception {
            long expected = (long) perDevice * fleet.size();
            long start = fleet.publish(perDevice, rate);
            awaitDelivered(recorder, expected);
            LoadResult result = recorder.result(name, expected, start);
            System.out.println(LoadResult.header() + "\n" + result.row());
            // the first few, to tell where an order was lost (the device's partition and offsets)
            recorder.outOfOrderSamples().forEach(sample -> notes.add(name + ": out of order: " + sample));
            return result;
        }

        /** Everything arrived, or nothing more for a while: the rest is lost. */
        private void awaitDelivered(DeliveryRecorder recorder, long expected) {
            AtomicLong lastCount = new AtomicLong(-1);
            AtomicLong lastChange = new AtomicLong(System.nanoTime());
            await().atMost(Duration.ofMinutes(15))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        long now = recorder.received();
                        if (now != lastCount.getAndSet(now)) {
                            lastChange.set(System.nanoTime());
                        }
                        return recorder.distinct() >= expected
                                || System.nanoTime() - lastChange.get() > QUIET.toNanos();
                    });
        }

        /** Reads one topic from its end, recording the records whose key starts with the run's prefix. */
        private final class Sink implements AutoCloseable {

            private final AtomicBoolean running = new AtomicBoolean(true);
            private final AtomicLong assigned = new AtomicLong();
            private final Thread thread;

            Sink(String topic, String keyPrefix, PayloadReader reader, DeliveryRecorder recorder) {
                thread = new Thread(() -> read(topic, keyPrefix, reader, recorder), "bench-kafka-sink");
                thread.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> assigned.get() > 0);
            }

            private void read(String topic, String keyPrefix, PayloadReader reader, DeliveryRecorder recorder) {
                Properties config = new Properties();
                config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
                config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
                config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
                config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
                    consumer.assign(partitions);
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    assigned.set(partitions.size());
                    while (running.get()) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                            if (r.key() != null && r.key().startsWith(keyPrefix)) {
                                reader.read(json, r.value())
                                        .record(recorder, "partition " + r.partition() + " offset " + r.offset());
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() throws InterruptedException {
                running.set(false);
                thread.join();
            }
        }
    }

    /** What a record says about the message it came from. */
    private record Delivery(int device, int sequence, long sentNanos) {
        void record(DeliveryRecorder recorder) {
            recorder.record(device, sequence, sentNanos);
        }

        void record(DeliveryRecorder recorder, String where) {
            recorder.record(device, sequence, sentNanos, where);
        }
    }

    @FunctionalInterface
    private interface PayloadReader {
        Delivery read(ObjectMapper json, byte[] value) throws IOException;
    }

    /** The device's payload as it was published (the limit, Kafka alone, the bridge). */
    private static final class PlainPayload {
        static Delivery of(ObjectMapper json, byte[] value) throws IOException {
            JsonNode body = json.readTree(value);
            return new Delivery(
                    body.get("device").asInt(),
                    body.get("value").asInt(),
                    body.get("sentNanos").asLong());
        }
    }

    /** A Sparkplug B record: node-{i} of the device id, the metric's value, and the send time from its timestamp. */
    private static final class SparkplugRecord {
        static Delivery of(ObjectMapper json, byte[] value) throws IOException {
            JsonNode body = json.readTree(value);
            String deviceId = body.get("deviceId").asText();
            long sentMillis = Instant.parse(body.get("timestamp").asText()).toEpochMilli();
            long sentNanos = System.nanoTime() - (System.currentTimeMillis() - sentMillis) * 1_000_000L;
            return new Delivery(
                    Integer.parseInt(deviceId.substring(deviceId.lastIndexOf('-') + 1)),
                    body.get("value").asInt(),
                    sentNanos);
        }
    }

    /** The gateway's canonical record: the payload's extra fields are in its metadata. */
    private static final class CanonicalPayload {
        static Delivery of(ObjectMapper json, byte[] value) throws IOException {
            JsonNode body = json.readTree(value);
            JsonNode metadata = body.get("metadata");
            return new Delivery(
                    metadata.get("device").asInt(),
                    body.get("value").asInt(),
                    metadata.get("sentNanos").asLong());
        }
    }

    /** CPU time (user + system) a process has used so far, from /proc (Linux). */
    static final class ProcessCpu {
        /** USER_HZ: Linux reports process times in ticks of 1/100 s on every architecture it runs on. */
        private static final int TICKS_PER_SECOND = 100;

        /** HotSpot's JIT compiler threads ("C2 CompilerThread0", ...). */
        static final Predicate<String> JIT =
                name -> name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");

        /** The garbage collector's threads (G1's and the parallel workers). */
        static final Predicate<String> GC = name -> name.startsWith("GC Thread") || name.startsWith("G1 ");

        /** The whole machine's busy time so far (all cores: user, nice, system, irq, softirq, steal). */
        static long machineBusyMillis() {
            try {
                String[] cpu = Files.readAllLines(Path.of("/proc", "stat"))
                        .get(0)
                        .trim()
                        .split("\\s+");
                long busy = 0;
                for (int i = 1; i <= 8 && i < cpu.length; i++) {
                    if (i != 4 && i != 5) { // idle, iowait
                        busy += Long.parseLong(cpu[i]);
                    }
                }
                return busy * 1000 / TICKS_PER_SECOND;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static long millis(long pid) {
            return ticksToMillis(stat(Path.of("/proc", Long.toString(pid), "stat")));
        }

        /** CPU time of the process's threads whose name {@code kind} accepts (threads that ended are not counted). */
        static long threadMillis(long pid, Predicate<String> kind) {
            long total = 0;
            try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        if (kind.test(Files.readString(task.resolve("comm")).strip())) {
                            total += ticksToMillis(stat(task.resolve("stat")));
                        }
                    } catch (UncheckedIOException | IOException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return total;
        }

        private static String[] stat(Path file) {
            try {
                String stat = Files.readString(file);
                // the command name may contain spaces: the fields after it start after its closing parenthesis
                return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long ticksToMillis(String[] fields) {
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1000 / TICKS_PER_SECOND;
        }
    }

    /** The plain bridge, started from its source file by Java's source launcher, as a user runs such a script. */
    private static final class BridgeProcess implements AutoCloseable {
        private final Process process;

        private BridgeProcess(Process process) {
            this.process = process;
        }

        static BridgeProcess start(String mqttUrl, String kafka, String topic) throws IOException {
            Path log = DIR.resolve("bridge.log");
            Files.createDirectories(DIR);
            Process process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            GatewayProcess.testClassPath(),
                            Path.of("src", "test", "bridge", "PlainBridge.java").toString(),
                            mqttUrl,
                            kafka,
                            "devices/+/telemetry",
                            topic)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> Files.readString(log).contains("bridge ready"));
            return new BridgeProcess(process);
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor();
        }
    }

    private void write(
            LoadResult limit,
            double kafkaP99,
            Measured bridge,
            Measured ingest,
            Measured sparkplug,
            Measured shipped,
            double startupSeconds,
            double startupCpuSeconds)
            throws IOException {
        var os = ManagementFactory.getOperatingSystemMXBean();
        StringBuilder out = new StringBuilder();
        out.append("## Ingest benchmark, processes, ").append(LocalDate.now()).append("\n\n");
        out.append(String.format(
                Locale.ROOT,
                "Machine: %d cores, %s %s, Java %s. Mosquitto (%s), one Kafka broker from the Kafka jars, the bridge"
                        + " and the gateway each a process of its own; MongoDB-wire server and load in the benchmark's"
                        + " JVM. %d devices, one MQTT connection each, QoS 1, %,d messages per max-rate run after a"
                        + " %,d-message warm-up of each system.%n%n",
                os.getAvailableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                "Debian package",
                DEVICES,
                MESSAGES,
                WARMUP));
        out.append(LoadResult.header().replace("out of order |\n", "out of order | CPU ms per 1,000 |\n"))
                .append("---|\n");
        rows.forEach(r -> out.append(r).append('\n'));
        double limitRate = limit.throughputPerSecond();
        out.append(String.format(
                Locale.ROOT,
                "%n| system | msg/s | x limit | x bridge | CPU ms / 1,000 msgs | of which JIT, GC | x bridge CPU"
                        + " | p99 at 1,000 msg/s | x Kafka-alone p99 | achieved at 5,000 msg/s |"
                        + "%n|---|---|---|---|---|---|---|---|---|---|%n"));
        for (Measured m : List.of(bridge, ingest, sparkplug, shipped)) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %.2f | %.2f | %.0f | %.0f, %.0f | %.2f | %s | %s | %s |%n",
                    m.max().name(),
                    m.max().throughputPerSecond(),
                    m.max().throughputPerSecond() / limitRate,
                    m.max().throughputPerSecond() / bridge.max().throughputPerSecond(),
                    m.cpuMillisPer1000(),
                    m.jitMillisPer1000(),
                    m.gcMillisPer1000(),
                    m.cpuMillisPer1000() / bridge.cpuMillisPer1000(),
                    m.at1000() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f ms", m.at1000().p99Millis()),
                    m.at1000() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.2f", m.at1000().p99Millis() / kafkaP99),
                    m.at5000() == null
                            ? "-"
                            : String.format(
                                    Locale.ROOT, "%.0f msg/s", m.at5000().throughputPerSecond())));
        }
        if (bridge.settled() != null) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%nThe same systems' second max-rate run, after their fixed-rate runs (the JIT has compiled"
                                    + " what the first run left to it):%n%n| system | msg/s | x limit | x bridge"
                                    + " | CPU ms / 1,000 msgs | of which JIT | x bridge CPU |%n|---|---|---|---|---|---|---|%n"));
            for (Measured m : List.of(bridge, ingest, shipped)) {
                Cpu settled = m.settled();
                if (settled == null) {
                    continue;
                }
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %.0f | %.2f | %.2f | %.0f | %.0f | %.2f |%n",
                        settled.run().name(),
                        settled.run().throughputPerSecond(),
                        settled.run().throughputPerSecond() / limitRate,
                        settled.run().throughputPerSecond()
                                / bridge.settled().run().throughputPerSecond(),
                        settled.millisPer1000(),
                        settled.jitMillisPer1000(),
                        settled.millisPer1000() / bridge.settled().millisPer1000()));
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "%nWhere the machine's CPU went in each max-rate run: the cores busy on average (from /proc/stat), then"
                        + " CPU ms per 1,000 messages of the measured process and of those around it (\"rest\": the"
                        + " machine's other processes and what ended during the run):%n%n| run | cores busy | measured"
                        + " process |"));
        around.keySet().forEach(name -> out.append(' ').append(name).append(" |"));
        out.append(" rest | msg/s if the measured process cost nothing | x limit |\n|---|---|---|")
                .append("---|".repeat(around.size() + 3))
                .append('\n');
        machineRows.forEach(
                r -> out.append(r.row(os.getAvailableProcessors(), limitRate)).append('\n'));
        out.append(String.format(
                Locale.ROOT,
                "%nGateway start-up (ingest only) to its first record in Kafka: %.1f s, %.1f s of CPU.%n",
                startupSeconds,
                startupCpuSeconds));
        notes.forEach(note -> out.append(String.format(Locale.ROOT, "%n- %s", note)));
        Path report = Path.of("target", "benchmark", "process-ingest.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
        System.out.println(out);
    }

    private static void deleteDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
