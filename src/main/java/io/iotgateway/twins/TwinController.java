package io.iotgateway.twins;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.web.ApiProblems;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A device's twin over HTTP. The ETag is the twin's version; a PATCH with If-Match applies only to that version.
 */
@RestController
@RequestMapping(path = "/api/devices/{deviceId}/twin", produces = MediaType.APPLICATION_JSON_VALUE)
class TwinController {

    private final TwinService twins;

    TwinController(TwinService twins) {
        this.twins = twins;
    }

    @GetMapping
    ResponseEntity<Twin> get(@PathVariable String deviceId) {
        return answer(twins.get(deviceId));
    }

    /** JSON merge patch (RFC 7386) of the desired values, as application/merge-patch+json or application/json. */
    @PatchMapping("/desired")
    ResponseEntity<?> patchDesired(
            @PathVariable String deviceId,
            @RequestHeader(name = "If-Match", required = false) String ifMatch,
            @RequestBody(required = false) byte[] body) {
        return answer(twins.patchDesired(deviceId, version(ifMatch), body));
    }

    @ExceptionHandler(TwinService.VersionConflictException.class)
    ResponseEntity<ProblemDetail> conflict(TwinService.VersionConflictException e) {
        ProblemDetail problem = ApiProblems.of(
                HttpStatus.PRECONDITION_FAILED,
                "version-conflict",
                "the twin changed: it is at version " + e.current() + "; read it again and re-apply the change");
        problem.setProperty("version", e.current());
        return ResponseEntity.status(HttpStatus.PRECONDITION_FAILED)
                .eTag(etag(e.current()))
                .body(problem);
    }

    @ExceptionHandler(TwinPatch.InvalidPatchException.class)
    ResponseEntity<ProblemDetail> invalidPatch(TwinPatch.InvalidPatchException e) {
        return ResponseEntity.badRequest()
                .body(ApiProblems.of(HttpStatus.BAD_REQUEST, "invalid-patch", e.getMessage()));
    }

    @ExceptionHandler(MessageRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(MessageRejectedException e) {
        return ResponseEntity.badRequest()
                .body(ApiProblems.of(HttpStatus.BAD_REQUEST, e.reason().code(), e.getMessage()));
    }

    private static ResponseEntity<Twin> answer(Twin twin) {
        return ResponseEntity.ok().eTag(etag(twin.version())).body(twin);
    }

    private static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** {@code "3"}, {@code W/"3"} or {@code 3}; {@code *} (any version) is no condition. */
    private static Long version(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        String tag = ifMatch.trim();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        tag = tag.replace("\"", "");
        try {
            return Long.parseLong(tag);
        } catch (NumberFormatException e) {
            throw new TwinPatch.InvalidPatchException(
                    "If-Match '" + ifMatch + "' is not a twin version; send the ETag of the twin you read, e.g. \"3\"");
        }
    }
}
