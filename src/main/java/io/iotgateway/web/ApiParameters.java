package io.iotgateway.web;

import io.iotgateway.telemetry.Identifiers;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Query and path parameters the API checks the same way everywhere, answering 400 with what was expected. */
public final class ApiParameters {

    private ApiParameters() {}

    public static String identifier(String name, String value) {
        if (!Identifiers.isValid(value)) {
            throw ApiProblems.badRequest("invalid-parameter", name + " must be 1-128 of A-Z a-z 0-9 . _ -");
        }
        return value;
    }

    public static int limit(String value, int defaultLimit, int maxLimit) {
        if (value == null) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= maxLimit) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiProblems.badRequest("invalid-parameter", "limit must be a whole number from 1 to " + maxLimit);
    }

    /** An optional ISO-8601 instant. */
    public static Instant instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiProblems.badRequest(
                    "invalid-parameter",
                    name + " '" + value + "' must be an ISO-8601 instant such as 2026-01-14T15:30:45Z");
        }
    }
}
