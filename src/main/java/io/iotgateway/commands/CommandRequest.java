package io.iotgateway.commands;

/**
 * A validated command, not yet accepted.
 *
 * @param commandId the caller's id, or one the gateway derived; the same id is never published twice
 */
record CommandRequest(String commandId, String deviceId, String component, String command, double value) {}
