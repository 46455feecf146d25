package io.iotgateway.deadletters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/dead-letters}: what this gateway instance dead-lettered since it started, by reason. */
@RestController
class DeadLetterStatsController {

    private final MeterRegistry meters;

    DeadLetterStatsController(MeterRegistry meters) {
        this.meters = meters;
    }

    @GetMapping(path = "/api/dead-letters", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> stats() {
        Map<String, Long> byReason = new TreeMap<>();
        for (Counter counter : meters.find(DeadLetterRecords.METER).counters()) {
            byReason.merge(counter.getId().getTag("reason"), (long) counter.count(), Long::sum);
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("total", byReason.values().stream().mapToLong(Long::longValue).sum());
        stats.put("byReason", byReason);
        return stats;
    }
}
