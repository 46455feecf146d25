package io.iotgateway.deadletters;

import io.iotgateway.errors.RejectReason;
import io.iotgateway.web.ApiParameters;
import io.iotgateway.web.ApiProblems;
import java.time.Instant;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/dead-letters/replay}: re-inject the dead letters selected by reason, device and time range (when
 * they were dead-lettered) into the ingest pipeline, and report what passed and what was rejected again.
 */
@RestController
class DeadLetterReplayController {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterReplayController.class);
    private static final int DEFAULT_LIMIT = 1000;

    private final DeadLetterReplay replay;

    DeadLetterReplayController(DeadLetterReplay replay) {
        this.replay = replay;
    }

    /** All optional; strings so that every malformed value gets the same precise 400. */
    record ReplayRequest(String reason, String deviceId, String from, String to, String limit, Boolean dryRun) {}

    @PostMapping(
            path = "/api/dead-letters/replay",
            produces = MediaType.APPLICATION_JSON_VALUE,
            consumes = MediaType.APPLICATION_JSON_VALUE)
    DeadLetterReplay.Report replay(@RequestBody(required = false) ReplayRequest request) {
        ReplayRequest r = request == null ? new ReplayRequest(null, null, null, null, null, null) : request;
        Instant from = ApiParameters.instant("from", r.from());
        Instant to = ApiParameters.instant("to", r.to());
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiProblems.badRequest("invalid-parameter", "from must be before to");
        }
        DeadLetterReplay.Selection selection = new DeadLetterReplay.Selection(
                r.reason() == null ? null : reason(r.reason()),
                r.deviceId() == null ? null : ApiParameters.identifier("deviceId", r.deviceId()),
                from,
                to,
                ApiParameters.limit(r.limit(), DEFAULT_LIMIT, replay.maxRecords()),
                Boolean.TRUE.equals(r.dryRun()));
        DeadLetterReplay.Report report = replay.replay(selection);
        log.info("Dead-letter replay {}: {}", selection, report);
        return report;
    }

    @ExceptionHandler(DeadLetterReplay.ReplayFailedException.class)
    ProblemDetail failed(DeadLetterReplay.ReplayFailedException e) {
        log.warn("Dead-letter replay stopped: {}", e.getMessage());
        ProblemDetail problem = ApiProblems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "replay-interrupted",
                "the replay stopped because the pipeline failed (" + e.getMessage()
                        + "); records that passed are recorded, run the same replay again later");
        problem.setProperty("progress", e.progress());
        return problem;
    }

    private static String reason(String code) {
        return Arrays.stream(RejectReason.values())
                .map(RejectReason::code)
                .filter(code::equals)
                .findFirst()
                .orElseThrow(() -> ApiProblems.badRequest(
                        "invalid-parameter",
                        "reason '" + code + "' is not a dead-letter reason; expected one of "
                                + Arrays.stream(RejectReason.values())
                                        .map(RejectReason::code)
                                        .toList()));
    }
}
