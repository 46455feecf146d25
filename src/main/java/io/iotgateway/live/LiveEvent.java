package io.iotgateway.live;

/**
 * One event for live clients.
 *
 * @param id increasing per gateway instance; SSE clients resume from it with {@code Last-Event-ID}
 * @param type telemetry, alert, command-report, session or twin
 * @param sensorType null for events about a device as a whole (command reports, sessions)
 * @param data the event as compact JSON
 */
record LiveEvent(long id, String type, String deviceId, String sensorType, String data) {}
