package io.iotgateway.benchmark;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.SharedBrokers;

/**
 * The MQTT broker every benchmark and the gateway under test share: Mosquitto (a C broker, far lighter than the
 * in-JVM one) when installed, so the figures are the gateway's; else the embedded one. Each benchmark class touches
 * it in its static initialiser, before the shared Spring context exists, whichever class runs first.
 */
final class BenchmarkBroker {

    private static final MosquittoBroker MOSQUITTO = MosquittoBroker.startIfInstalled();

    static {
        if (MOSQUITTO != null) {
            System.setProperty(GatewayIntegrationTest.MQTT_URL_OVERRIDE, MOSQUITTO.url());
        }
    }

    private BenchmarkBroker() {}

    static String url() {
        return MOSQUITTO != null ? MOSQUITTO.url() : SharedBrokers.get().mqttUrl();
    }

    static String name() {
        return MOSQUITTO != null ? MOSQUITTO.version() + " (separate process)" : "embedded HiveMQ CE (same JVM)";
    }
}
