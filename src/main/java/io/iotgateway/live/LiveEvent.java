package io.iotgateway.live;

/**
 * One event for live clients.
 *
 * @param id increasing per gateway instance; SSE clients resume from it with {@code Last-Event-ID}
 * @param type telemetry, alert or command-report
 * @param sensorType null for events about a device as a whole (command reports)
 * @param data the event as compact JSON
 */
record LiveEvent(long id, String type, String deviceId, String sensorType, String data) {}
