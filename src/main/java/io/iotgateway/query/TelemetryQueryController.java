package io.iotgateway.query;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.web.ApiParameters;
import io.iotgateway.web.ApiProblems;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.boot.autoconfigure.mongo.MongoProperties;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Read-only queries on stored telemetry ({@code sensorData}): the known devices with their latest values, and one
 * device's readings by sensor and time range, served by the {@code deviceId, sensorType, timestamp} index.
 */
@RestController
@RequestMapping(path = "/api/devices", produces = MediaType.APPLICATION_JSON_VALUE)
class TelemetryQueryController {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final MongoCollection<Document> sensorData;

    TelemetryQueryController(MongoClient mongo, MongoProperties mongoProperties, GatewayProperties properties) {
        this.sensorData = mongo.getDatabase(mongoProperties.getMongoClientDatabase())
                .getCollection(properties.persistence().collection());
    }

    /** Every device with readings: when it was last seen and the latest value of each of its sensors. */
    @GetMapping
    List<Map<String, Object>> devices() {
        List<Bson> pipeline = List.of(
                Aggregates.sort(Sorts.orderBy(
                        Sorts.ascending("deviceId"), Sorts.ascending("sensorType"), Sorts.descending("timestamp"))),
                Aggregates.group(
                        new Document("deviceId", "$deviceId").append("sensorType", "$sensorType"),
                        Accumulators.first("value", "$value"),
                        Accumulators.first("unit", "$unit"),
                        Accumulators.first("timestamp", "$timestamp")),
                Aggregates.sort(Sorts.ascending("_id.deviceId", "_id.sensorType")));
        Map<String, Map<String, Object>> devices = new LinkedHashMap<>();
        for (Document latest : sensorData.aggregate(pipeline)) {
            Document key = latest.get("_id", Document.class);
            String deviceId = key.getString("deviceId");
            Date timestamp = latest.getDate("timestamp");
            Map<String, Object> device = devices.computeIfAbsent(deviceId, id -> {
                Map<String, Object> created = new LinkedHashMap<>();
                created.put("deviceId", id);
                created.put("lastSeen", timestamp.toInstant());
                created.put("sensors", new LinkedHashMap<String, Object>());
                return created;
            });
            if (timestamp.toInstant().isAfter((Instant) device.get("lastSeen"))) {
                device.put("lastSeen", timestamp.toInstant());
            }
            Map<String, Object> reading = new LinkedHashMap<>();
            reading.put("value", latest.get("value"));
            if (latest.getString("unit") != null) {
                reading.put("unit", latest.getString("unit"));
            }
            reading.put("timestamp", timestamp.toInstant());
            @SuppressWarnings("unchecked")
            Map<String, Object> sensors = (Map<String, Object>) device.get("sensors");
            sensors.put(key.getString("sensorType"), reading);
        }
        return new ArrayList<>(devices.values());
    }

    /** One device's readings, newest first. */
    @GetMapping("/{deviceId}/telemetry")
    List<Map<String, Object>> telemetry(
            @PathVariable String deviceId,
            @RequestParam(required = false) String sensorType,
            @RequestParam(required = false) String from,
            @RequestParam(required = false) String to,
            @RequestParam(required = false) String limit) {
        List<Bson> filters = new ArrayList<>();
        filters.add(Filters.eq("deviceId", ApiParameters.identifier("deviceId", deviceId)));
        if (sensorType != null) {
            filters.add(Filters.eq("sensorType", ApiParameters.identifier("sensorType", sensorType)));
        }
        Instant start = ApiParameters.instant("from", from);
        Instant end = ApiParameters.instant("to", to);
        if (start != null && end != null && start.isAfter(end)) {
            throw ApiProblems.badRequest("invalid-parameter", "from must not be after to");
        }
        if (start != null) {
            filters.add(Filters.gte("timestamp", Date.from(start)));
        }
        if (end != null) {
            filters.add(Filters.lt("timestamp", Date.from(end)));
        }
        List<Map<String, Object>> readings = new ArrayList<>();
        sensorData
                .find(Filters.and(filters))
                .sort(Sorts.descending("timestamp"))
                .limit(ApiParameters.limit(limit, DEFAULT_LIMIT, MAX_LIMIT))
                .forEach(document -> readings.add(reading(document)));
        return readings;
    }

    private static Map<String, Object> reading(Document document) {
        Map<String, Object> reading = new LinkedHashMap<>();
        reading.put("messageId", document.get("_id"));
        document.forEach((field, value) -> {
            if (!field.equals("_id")) {
                reading.put(field, value instanceof Date date ? date.toInstant() : value);
            }
        });
        return reading;
    }
}
