package io.iotgateway.telemetry;

import java.time.Instant;

/**
 * Reads the instants canonical records carry ({@link Instant#toString()}: {@code 2026-12-06T05:00:00Z}, with 0-9
 * fraction digits). {@link Instant#parse} costs a general formatter's work for every record, on the persistence and
 * analytics paths that read each record again; this reads that one form directly and hands anything else to it.
 */
public final class Instants {

    private static final int[] DAYS_BEFORE_MONTH = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    private Instants() {}

    /** As {@link Instant#parse}: the same result for every text, the same exception for text that is not one. */
    public static Instant parse(CharSequence text) {
        Instant fast = canonical(text);
        return fast != null ? fast : Instant.parse(text);
    }

    private static Instant canonical(CharSequence text) {
        int length = text.length();
        if (length < 20
                || length > 30
                || length == 21
                || text.charAt(length - 1) != 'Z'
                || text.charAt(4) != '-'
                || text.charAt(7) != '-'
                || text.charAt(10) != 'T'
                || text.charAt(13) != ':'
                || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
            return null; // includes a non-digit (-1); out of range: Instant.parse says what is wrong
        }
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        int monthDays =
                month == 2 ? (leap ? 29 : 28) : (month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31);
        if (day > monthDays) {
            return null;
        }
        int nanos = 0;
        if (length > 20) {
            if (text.charAt(19) != '.') {
                return null;
            }
            int fraction = length - 21;
            int value = digits(text, 20, fraction);
            if (value < 0) {
                return null;
            }
            nanos = value;
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        }
        long yearsBefore = year - 1L;
        long days = yearsBefore * 365
                + yearsBefore / 4
                - yearsBefore / 100
                + yearsBefore / 400
                - 719_162 // days from 0001-01-01 to 1970-01-01
                + DAYS_BEFORE_MONTH[month - 1]
                + (leap && month > 2 ? 1 : 0)
                + day
                - 1;
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The number in {@code count} decimal digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(CharSequence text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
