package io.iotgateway.reload;

/**
 * A routes-directory file that cannot be applied: its reason (and line, where known) is what the operator sees in the
 * log and at {@code GET /api/routes}. The running version of the file stays.
 */
public class InvalidSourceException extends Exception {

    private final Integer line;
    private final String reason;

    public InvalidSourceException(Integer line, String reason) {
        super((line == null ? "" : "line " + line + ": ") + reason, null, false, false);
        this.line = line;
        this.reason = reason;
    }

    public InvalidSourceException(String reason) {
        this(null, reason);
    }

    /** 1-based line of the problem, or null when the problem has no single line. */
    public Integer line() {
        return line;
    }

    public String reason() {
        return reason;
    }

    /** The 1-based line of the first occurrence of {@code text} in {@code content}, or null. */
    public static Integer lineOf(String content, String text) {
        if (content == null || text == null || text.isEmpty()) {
            return null;
        }
        int at = content.indexOf(text);
        if (at < 0) {
            return null;
        }
        int line = 1;
        for (int i = 0; i < at; i++) {
            if (content.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
