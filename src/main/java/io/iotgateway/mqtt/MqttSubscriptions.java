package io.iotgateway.mqtt;

import io.iotgateway.config.GatewayProperties;

/** Subscription endpoints on the session-safe MQTT consumer, shared between replicas when a group is configured. */
public final class MqttSubscriptions {

    private MqttSubscriptions() {}

    /**
     * The {@code mqtt-ingest:} endpoint URI for a filter, with its own client id suffix so each subscription keeps
     * its own persistent session.
     */
    public static String endpoint(String filter, String clientIdSuffix, GatewayProperties.Mqtt mqtt) {
        String shared = mqtt.sharedGroup() == null || mqtt.sharedGroup().isBlank()
                ? filter
                : "$share/" + mqtt.sharedGroup() + "/" + filter;
        // '#' would start a URI fragment
        return SessionSafeMqttComponent.SCHEME + ":" + shared.replace("#", "%23")
                + "?clientId={{gateway.mqtt.client-id}}-" + clientIdSuffix;
    }
}
