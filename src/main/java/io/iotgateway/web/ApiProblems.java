package io.iotgateway.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The API's error bodies: RFC 9457 problem details with a machine-readable {@code reason} (the same codes the
 * dead-letter topic uses) and a sentence for people. Never a stack trace.
 */
public final class ApiProblems {

    private ApiProblems() {}

    public static ProblemDetail of(HttpStatus status, String reason, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setProperty("reason", reason);
        return problem;
    }

    public static ErrorResponseException badRequest(String reason, String detail) {
        return new ErrorResponseException(HttpStatus.BAD_REQUEST, of(HttpStatus.BAD_REQUEST, reason, detail), null);
    }
}
