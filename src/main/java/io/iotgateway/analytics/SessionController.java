package io.iotgateway.analytics;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.iotgateway.web.ApiParameters;
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
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Workout sessions ({@code workoutSessions}), newest first; running ones have {@code status: active} and no end. */
@RestController
@RequestMapping(path = "/api/sessions", produces = MediaType.APPLICATION_JSON_VALUE)
class SessionController {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    private final MongoCollection<Document> sessions;

    SessionController(MongoClient mongo, MongoProperties mongoProperties, AnalyticsProperties properties) {
        this.sessions = mongo.getDatabase(mongoProperties.getMongoClientDatabase())
                .getCollection(properties.sessionCollection());
    }

    @GetMapping
    List<Map<String, Object>> sessions(
            @RequestParam(required = false) String deviceId, @RequestParam(required = false) String limit) {
        Bson filter = deviceId == null
                ? Filters.empty()
                : Filters.eq("deviceId", ApiParameters.identifier("deviceId", deviceId));
        List<Map<String, Object>> out = new ArrayList<>();
        sessions.find(filter)
                .sort(Sorts.descending("start"))
                .limit(ApiParameters.limit(limit, DEFAULT_LIMIT, MAX_LIMIT))
                .forEach(document -> out.add(session(document)));
        return out;
    }

    private static Map<String, Object> session(Document document) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("sessionId", document.get("_id"));
        document.forEach((field, value) -> {
            if (!field.equals("_id")) {
                session.put(field, value instanceof Date date ? date.toInstant() : value);
            }
        });
        return session;
    }
}
