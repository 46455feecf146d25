package io.iotgateway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.Http;
import io.iotgateway.support.InstalledTool;
import io.iotgateway.support.KafkaCluster;
import io.iotgateway.support.MosquittoBroker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.springframework.boot.convert.DurationStyle;

/**
 * Issues 6 and 14, the fault-injection suite. The gateway runs as a process of its own, with every feature on, against
 * brokers of its own (Mosquitto, a three-broker Kafka cluster, a MongoDB-wire server); each scenario publishes a
 * counted stream at QoS 1 from many devices, injects a fault mid-stream, and after recovery requires: nothing the
 * broker acknowledged to a device lost in Kafka (or the dead-letter topic), order kept per device, every valid message
 * exactly once in MongoDB. Duplicates in Kafka are allowed (at least once) and counted. The figures go to
 * {@code target/faults/reliability.md} (copied into docs/reliability.md).
 *
 * <p>Outages last {@code -Dfaults.outage} (default 15s: longer than the gateway's 10 s Kafka consumer session, short
 * enough for CI), backlogs {@code -Dfaults.backlog} messages (default 20000).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Its gateway and brokers are processes of its own, so it runs beside the tests of the shared context; the lock keeps
// its own scenarios one after the other, in order (a class holding a lock runs its methods in its thread).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("fault-bench")
class FaultInjectionIT {

    private static final Duration OUTAGE = DurationStyle.detectAndParse(System.getProperty("faults.outage", "15s"));
    private static final Duration BROKER_DOWN =
            DurationStyle.detectAndParse(System.getProperty("faults.brokerDown", "5s"));
    private static final int BACKLOG = Integer.getInteger("faults.backlog", 20_000);
    private static final Duration SHUTDOWN = Duration.ofSeconds(Long.getLong("faults.shutdownWait", 60));
    /** A graceful stop under load must end within this (issue 14; Kubernetes grants 30 s). */
    private static final Duration STOP_BOUND = Duration.ofSeconds(10);
    /** Kubernetes' default grace period between SIGTERM and SIGKILL. */
    private static final Duration GRACE_PERIOD = Duration.ofSeconds(30);
    /** After a start with a backlog, ingest must be back within this of the start command. */
    private static final Duration INGEST_BACK = Duration.ofSeconds(30);
    /** The devices keep publishing while the gateway restarts (about as long as a start takes here). */
    private static final Duration RESTART = Duration.ofSeconds(20);

    private final List<Scenario.Outcome> outcomes = new ArrayList<>();
    private FaultBench bench;

    @BeforeAll
    void start() {
        InstalledTool.require(
                MosquittoBroker.installed(), () -> "mosquitto is not installed (apt-get install mosquitto)");
        bench = new FaultBench(
                Path.of("target", "faults", "run-" + ProcessHandle.current().pid()));
        bench.startGateway();
    }

    @AfterAll
    void stop() throws Exception {
        if (bench != null) {
            bench.close();
        }
    }

    @Test
    @Order(1)
    void gatewayKilledHardAndRestarted() throws Exception {
        Scenario.Outcome outcome = new Scenario(bench, "kill")
                .run(
                        "gateway process killed (SIGKILL), restarted at once",
                        Duration.ZERO,
                        RESTART,
                        () -> bench.gateway().kill(),
                        bench::startGatewayProcess);
        assertNothingLost(outcome);
    }

    @Test
    @Order(2)
    void kafkaStopped() throws Exception {
        Scenario.Outcome outcome = new Scenario(bench, "kafkastop")
                .run(
                        "Kafka unreachable (all 3 brokers: connections reset, new ones refused)",
                        OUTAGE,
                        Scenario.STEADY,
                        bench::refuseKafka,
                        bench::restoreKafka);
        assertNothingLost(outcome);
    }

    @Test
    @Order(3)
    void kafkaHanging() throws Exception {
        Scenario.Outcome outcome = new Scenario(bench, "kafkahang")
                .run(
                        "Kafka hanging (all 3 brokers: connections accepted, nothing answered)",
                        OUTAGE,
                        Scenario.STEADY,
                        bench::hangKafka,
                        bench::restoreKafka);
        assertNothingLost(outcome);
    }

    @Test
    @Order(4)
    void kafkaLeaderKilled() throws Exception {
        KafkaCluster kafka = bench.kafka();
        int[] leader = {-1};
        Scenario scenario = new Scenario(bench, "leaderkill");
        Scenario.Outcome outcome = scenario.run(
                "leader of device.telemetry partition 0 killed (SIGKILL), restarted on its data",
                OUTAGE,
                Scenario.STEADY,
                () -> {
                    leader[0] = kafka.leaderOf(FaultBench.TELEMETRY, 0);
                    kafka.kill(leader[0]);
                    scenario.measured("killed broker " + leader[0]);
                },
                () -> {
                    // The partition has a new leader long before this: the restart only brings the third replica back.
                    scenario.measured("new leader: broker " + kafka.leaderOf(FaultBench.TELEMETRY, 0));
                    long restarted = System.nanoTime();
                    kafka.restart(leader[0]);
                    kafka.awaitFullyReplicated(FaultBench.TELEMETRY, Duration.ofMinutes(2));
                    scenario.measured(String.format(
                            Locale.ROOT,
                            "restarted broker back in sync %.1f s after its start",
                            (System.nanoTime() - restarted) / 1e9));
                });
        scenario.measured(String.format(
                Locale.ROOT,
                "longest pause of partition 0 writes %.1f s",
                scenario.longestPartition0Pause().toMillis() / 1000.0));
        assertNothingLost(outcome, scenario);
        assertThat(leader[0]).isBetween(0, KafkaCluster.SIZE - 1);
        assertThat(kafka.inSyncReplicas(FaultBench.TELEMETRY, 0)).hasSize(KafkaCluster.SIZE);
    }

    @Test
    @Order(5)
    void mongoUnavailable() throws Exception {
        Scenario.Outcome outcome = new Scenario(bench, "mongo")
                .run(
                        "MongoDB unreachable (connections reset, new ones refused)",
                        OUTAGE,
                        Scenario.STEADY,
                        bench.mongoLink()::refuse,
                        bench.mongoLink()::restore);
        assertNothingLost(outcome);
    }

    @Test
    @Order(6)
    void mqttBrokerRestarted() throws Exception {
        Scenario.Outcome outcome = new Scenario(bench, "mqtt")
                .run(
                        "Mosquitto stopped (SIGTERM) and started again on its data",
                        BROKER_DOWN,
                        Scenario.STEADY,
                        bench::stopMqtt,
                        bench::startMqtt);
        assertNothingLost(outcome);
        assertThat(bench.gateway().isAlive()).isTrue();
    }

    @Test
    @Order(7)
    void gracefulShutdownUnderLoad() throws Exception {
        Scenario scenario = new Scenario(bench, "sigterm");
        Stop stop = new Stop();
        Scenario.Outcome outcome = scenario.run(
                "gateway process stopped (SIGTERM, graceful), restarted",
                Duration.ZERO,
                RESTART,
                () -> stop.terminate(scenario),
                bench::startGatewayProcess);
        assertNothingLost(outcome, scenario);
        assertGracefulStop(stop);
    }

    @Test
    @Order(8)
    void restartWithBacklog() throws Exception {
        Scenario scenario = new Scenario(bench, "backlog").backlog(BACKLOG).firstRecordWithin(INGEST_BACK);
        Stop stop = new Stop();
        Scenario.Outcome outcome = scenario.run(
                "gateway stopped (SIGTERM), " + BACKLOG + " more messages queued in its session, started",
                Duration.ZERO,
                RESTART,
                () -> stop.terminate(scenario),
                bench::startGatewayProcess);
        assertNothingLost(outcome, scenario);
        assertGracefulStop(stop);
    }

    @Test
    @Order(9)
    void killedWithBacklog() throws Exception {
        Scenario scenario = new Scenario(bench, "killbacklog").backlog(BACKLOG).firstRecordWithin(INGEST_BACK);
        Scenario.Outcome outcome = scenario.run(
                "gateway killed (SIGKILL), " + BACKLOG + " more messages queued in its session, started",
                Duration.ZERO,
                RESTART,
                () -> bench.gateway().kill(),
                bench::startGatewayProcess);
        assertNothingLost(outcome, scenario);
    }

    @Test
    @Order(10)
    void stoppedRightAfterItsStart() {
        // A SIGTERM while the Kafka consumers were still joining their groups took minutes: each consumer's close
        // waited for its pending join, one consumer route after the other. Their joins wait while the group still
        // holds members of an instance that was killed (until its session times out, 45 s as shipped) or that has
        // not left yet (a rolling update).
        String sessionTimeout = "camel.component.kafka.session-timeout-ms";
        bench.gateway().kill();
        bench.startGateway(Map.of(sessionTimeout, FaultBench.shipped(sessionTimeout)));
        Duration joining = stopRightAfterStart();
        bench.startGateway();
        Duration joined = stopRightAfterStart();
        bench.startGateway();
        // The worst case of a consumer's close: Kafka answers nothing, so its leave and commit wait for their timeout.
        // Started through (liveness is up once every route has started), then Kafka hangs.
        Http probes = Http.anonymous(bench.httpPort());
        await().atMost(Duration.ofMinutes(1))
                .ignoreExceptions()
                .until(() -> probes.get("/actuator/health/liveness").statusCode() == 200);
        bench.hangKafka();
        Duration hanging;
        try {
            hanging = stopRightAfterStart();
        } finally {
            bench.restoreKafka();
        }
        bench.startGateway();
        System.out.printf(
                Locale.ROOT,
                "SIGTERM to exit: %s right after a start with the groups' joins pending, %s without, %s with Kafka"
                        + " hanging%n",
                joining,
                joined,
                hanging);
        assertThat(joining).as("SIGTERM to exit with the groups' joins pending").isLessThan(STOP_BOUND);
        assertThat(joined).as("SIGTERM to exit right after a start").isLessThan(STOP_BOUND);
        assertThat(hanging).as("SIGTERM to exit with Kafka hanging").isLessThan(GRACE_PERIOD);
    }

    private Duration stopRightAfterStart() {
        long sent = System.nanoTime();
        int exitCode = bench.gateway().terminate(SHUTDOWN);
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        assertThat(exitCode).as("exit code after SIGTERM").isEqualTo(143);
        return took;
    }

    @Test
    @Order(11)
    void analyticsKeptAggregatingThroughTheFaults() {
        // The stream analytics ran in the same gateway through every fault and restart: closed windows of the
        // scenarios' readings reached MongoDB (from the production jar, this also proves analytics needs no RocksDB).
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                        bench.collection("aggregatesBySensor").countDocuments())
                .isPositive());
    }

    @Test
    @Order(12)
    void httpIngestAnswers503WhileKafkaIsUnreachableAnd202Again() {
        // a device token of the test profile (application-test.yaml), for devices http-a-1 ...
        Http device = new Http(bench.httpPort()).as(Http.bearer("test-http-client-token-0123456789"));
        String path = "/ingest/devices/http-a-1";
        String payload = "{\"sensorType\":\"temperature\",\"value\":21.5,\"timestamp\":1763320419}";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                        device.post(path, payload, false).statusCode())
                .isEqualTo(202));
        bench.refuseKafka();
        try {
            HttpResponse<String> unavailable = device.post(path, payload, false);
            assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
            assertThat(unavailable.body()).contains("kafka-unavailable").doesNotContain("\tat ");
        } finally {
            bench.restoreKafka();
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(
                        device.post(path, payload, false).statusCode())
                .isEqualTo(202));
    }

    /** A SIGTERM whose time to exit is measured (bounded generously, so a slow stop is a figure, not a hang). */
    private final class Stop {
        int exitCode = -1;
        Duration took;

        void terminate(Scenario scenario) {
            long sent = System.nanoTime();
            exitCode = bench.gateway().terminate(SHUTDOWN);
            took = Duration.ofNanos(System.nanoTime() - sent);
            scenario.measured(String.format(Locale.ROOT, "SIGTERM to exit %.1f s", took.toMillis() / 1000.0));
        }
    }

    private static void assertGracefulStop(Stop stop) {
        // The JVM's answer to SIGTERM after its shutdown hooks ran (128 + 15): the graceful path, not a crash.
        assertThat(stop.exitCode).isEqualTo(143);
        assertThat(stop.took).as("SIGTERM to exit under load").isLessThan(STOP_BOUND);
    }

    private void assertNothingLost(Scenario.Outcome outcome) {
        assertNothingLost(outcome, null);
    }

    /** Records the outcome (with the scenario's figures measured after it was counted) and checks it. */
    private void assertNothingLost(Scenario.Outcome counted, Scenario scenario) {
        Scenario.Outcome outcome = scenario == null ? counted : scenario.withMeasured(counted);
        outcomes.add(outcome);
        ReliabilityReport.write(outcomes, Path.of("target", "faults", "reliability.md"));
        assertThat(outcome.acknowledged()).isPositive();
        assertThat(outcome.lostInKafka())
                .as("acknowledged messages missing in Kafka")
                .isZero();
        assertThat(outcome.lostInMongo())
                .as("valid messages missing in MongoDB")
                .isZero();
        assertThat(outcome.duplicatedInMongo())
                .as("messages stored twice in MongoDB")
                .isZero();
        assertThat(outcome.outOfOrder())
                .as("messages out of order per device (%s)", outcome.measured())
                .isZero();
        assertThat(outcome.recoveryKafka()).as("recovered in Kafka").isNotNull();
        assertThat(outcome.recoveryMongo()).as("recovered in MongoDB").isNotNull();
    }
}
