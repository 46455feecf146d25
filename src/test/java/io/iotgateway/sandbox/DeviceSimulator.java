package io.iotgateway.sandbox;

import io.iotgateway.support.SimulatedActuator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Devices of every seed family publishing realistic telemetry at QoS 1: smart bikes (seed 000), vehicles (seed 002),
 * room sensors (seed 001), generic devices (seed 004) and energy meters that send Protobuf ({@code routes/meters.proto}). About 3 % of messages are deliberately invalid, so the
 * dead-letter topic has something to show. Publishes wait for the PUBACK, like a real QoS 1 device.
 */
class DeviceSimulator implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSimulator.class);

    private static final List<String> BIKES = List.of("000001", "000002", "000003");
    private static final List<String> VEHICLES = List.of("raspi-001", "raspi-002");
    private static final List<String> ROOMS = List.of("room-101", "room-102", "lab-1");
    private static final List<String> THERMOSTATS = List.of("thermo-01", "thermo-02");
    private static final double INVALID_SHARE = 0.03;

    private static final List<String> METERS = List.of("meter-01", "meter-02");

    private final String brokerUrl;
    private final Path routes;
    private MeterPayloads meterPayloads;
    private SimulatedEdgeNode edgeNode;
    private ScheduledExecutorService scheduler;
    private MqttClient client;
    private SimulatedActuator actuators;
    private long tick;
    private volatile boolean running;

    DeviceSimulator(String brokerUrl, Path routes) {
        this.brokerUrl = brokerUrl;
        this.routes = routes;
    }

    String describe() {
        return BIKES.size() + " bikes, " + VEHICLES.size() + " vehicles, " + ROOMS.size() + " room sensors, "
                + THERMOSTATS.size() + " generic devices, " + METERS.size()
                + " Protobuf energy meters, a Sparkplug B edge node (plant-1/gw-1, 2 pumps);"
                + " ~3% invalid messages; the bikes' fan, resistance and incline"
                + " apply commands and report back";
    }

    @Override
    public void start() {
        try {
            client = new MqttClient(brokerUrl, "sandbox-simulator", new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setAutomaticReconnect(true);
            client.connect(options);
        } catch (MqttException e) {
            throw new IllegalStateException("simulator cannot reach " + brokerUrl, e);
        }
        // Built from the descriptor set the gateway's meters family reads, as a device's firmware would be.
        meterPayloads = MeterPayloads.load(routes.resolve("meters.desc"));
        if (Files.isRegularFile(routes.resolve("sparkplug.family.yaml"))) {
            try {
                edgeNode = new SimulatedEdgeNode(brokerUrl);
            } catch (Exception e) {
                LOG.warn("the simulated Sparkplug B edge node cannot start: {}", e.getMessage());
            }
        }
        // The bikes' fans, resistance and incline apply commands and report back, closing the command loop.
        actuators = new SimulatedActuator(brokerUrl, BIKES.toArray(String[]::new));
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "device-simulator"));
        scheduler.scheduleAtFixedRate(this::safeTick, 1, 1, TimeUnit.SECONDS);
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (actuators != null) {
            actuators.close();
        }
        if (edgeNode != null) {
            edgeNode.close();
        }
        try {
            if (client != null && client.isConnected()) {
                client.disconnect();
            }
        } catch (MqttException e) {
            LOG.debug("simulator disconnect: {}", e.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // after the gateway's routes, so its subscriptions exist before devices talk
        return Integer.MAX_VALUE;
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException | MqttException e) {
            LOG.warn("simulator tick failed: {}", e.getMessage());
        }
    }

    private void tick() throws MqttException {
        tick++;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        double now = System.currentTimeMillis() / 1000.0;
        for (int i = 0; i < BIKES.size(); i++) {
            String bike = BIKES.get(i);
            double effort = 0.5 + 0.5 * Math.sin((tick + i * 20) / 30.0);
            // a hard sprint now and then pushes heart rate over the alert threshold
            double heartRate = 110 + 70 * effort + (tick % 90 < 4 ? 12 : 0) + random.nextGaussian() * 2;
            bikeReading(bike, "heartrate", heartRate, "BPM", now);
            bikeReading(bike, "cadence", 60 + 35 * effort + random.nextGaussian(), "RPM", now);
            bikeReading(bike, "speed", 18 + 20 * effort + random.nextGaussian(), "km/h", now);
            bikeReading(bike, "power", 100 + 220 * effort + random.nextGaussian() * 5, "W", now);
        }
        if (tick % 2 == 0) {
            for (int i = 0; i < VEHICLES.size(); i++) {
                double fuel = Math.max(0, 100 - ((tick / 2 + i * 300) % 1000) / 10.0);
                publish(
                        "fms/data",
                        "{\"vehicle_id\":\"%s\",\"timestamp\":%d,\"speed\":%.2f,\"rpm\":%d,\"fuel_level\":%.2f}",
                        VEHICLES.get(i),
                        (long) now,
                        40 + random.nextDouble() * 50,
                        900 + random.nextInt(2500),
                        fuel);
            }
        }
        if (tick % 5 == 0) {
            for (int i = 0; i < ROOMS.size(); i++) {
                String sensor = "env-" + (i + 1);
                publish(
                        "sensors/" + ROOMS.get(i) + "/" + sensor + "/frame",
                        ("{\"id\":\"%s\",\"name\":\"%s climate\",\"placeId\":\"%s\",\"timestamp\":%d,"
                                + "\"temperature\":%.2f,\"humidity\":%.1f,\"pressure\":%.1f,\"luminosity\":%d}"),
                        sensor,
                        ROOMS.get(i),
                        ROOMS.get(i),
                        (long) (now * 1000),
                        21 + random.nextGaussian(),
                        40 + random.nextGaussian() * 3,
                        1013 + random.nextGaussian(),
                        200 + random.nextInt(400));
            }
        }
        for (String thermostat : THERMOSTATS) {
            publish(
                    "devices/" + thermostat + "/telemetry",
                    "{\"sensorType\":\"temperature\",\"value\":%.2f,\"unit\":\"°C\",\"timestamp\":\"%s\",\"metadata\":{\"battery\":%d}}",
                    20 + random.nextGaussian(),
                    Instant.now(),
                    80 + random.nextInt(20));
        }
        if (tick % 5 == 1 && meterPayloads != null) {
            for (int i = 0; i < METERS.size(); i++) {
                double voltage = 230 + random.nextGaussian() * 2;
                double current = 4 + 2 * Math.sin((tick + i * 40) / 50.0) + random.nextGaussian() * 0.1;
                publishBytes(
                        "meters/" + METERS.get(i) + "/reading",
                        meterPayloads.reading(
                                Instant.now(), voltage, current, tick * voltage * current / 3.6e6, i + 1));
            }
        }
        if (edgeNode != null) {
            try {
                edgeNode.tick(tick);
            } catch (Exception e) {
                LOG.warn("simulated edge node tick failed: {}", e.getMessage());
            }
        }
        if (random.nextDouble() < INVALID_SHARE * 16) {
            invalid(random);
        }
    }

    private void bikeReading(String bike, String sensor, double value, String unit, double now) throws MqttException {
        publish(
                "bike/" + bike + "/" + sensor,
                "{\"value\":%.1f,\"unitName\":\"%s\",\"timestamp\":%.3f,\"metadata\":{\"deviceName\":\"bike-%s\"}}",
                value,
                unit,
                now,
                bike);
    }

    /** One of the mistakes real devices make; each lands in the dead-letter topic with its reason. */
    private void invalid(ThreadLocalRandom random) throws MqttException {
        switch (random.nextInt(5)) {
            case 4 -> publish("meters/meter-01/reading", "{\"voltage\":230}");
            case 0 -> publish("devices/thermo-01/telemetry", "temperature=21.5");
            case 1 -> publish("devices/thermo-02/telemetry", "{\"sensorType\":\"temperature\",\"value\":\"warm\"}");
            case 2 ->
                publish("devices/thermo-01/telemetry", "{\"deviceId\":\"thermo-02\",\"sensorType\":\"t\",\"value\":1}");
            default -> publish("bike/000001/heartrate/raw", "{\"value\":120}");
        }
    }

    /** Formats with the root locale: JSON numbers use a '.' whatever the machine's language. */
    private void publish(String topic, String template, Object... args) throws MqttException {
        String payload = args.length == 0 ? template : String.format(Locale.ROOT, template, args);
        publishBytes(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    private void publishBytes(String topic, byte[] payload) throws MqttException {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        client.publish(topic, message);
    }
}
