package io.iotgateway.telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes and reads the instants canonical records carry ({@link Instant#toString()}: {@code 2026-12-06T05:00:00Z},
 * with 0, 3, 6 or 9 fraction digits). {@link Instant#toString} and {@link Instant#parse} cost a general formatter's
 * work, three times per record on the ingest path and again on the persistence and analytics paths that read each
 * record; these handle that one form directly and hand anything else to them.
 */
public final class Instants {

    private static final int[] DAYS_BEFORE_MONTH = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    /** 10000-01-01T00:00:00Z: later instants have a five-digit year, which {@link Instant#toString} writes. */
    private static final long YEAR_10000 = 253_402_300_800L;

    private Instants() {}

    /** As {@link Instant#toString}: the same text for every instant. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            return instant.toString();
        }
        int nanos = instant.getNano();
        int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        byte[] text = new byte[fraction == 0 ? 20 : 21 + fraction];
        long days = seconds / 86_400;
        int secondOfDay = (int) (seconds % 86_400);
        // civil date from days since 1970-01-01 (H. Hinnant's algorithm, era of 400 years)
        long z = days + 719_468;
        long era = z / 146_097;
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int shiftedMonth = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
        int month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
        put(text, 0, year, 4);
        text[4] = '-';
        put(text, 5, month, 2);
        text[7] = '-';
        put(text, 8, day, 2);
        text[10] = 'T';
        put(text, 11, secondOfDay / 3_600, 2);
        text[13] = ':';
        put(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        put(text, 17, secondOfDay % 60, 2);
        if (fraction > 0) {
            text[19] = '.';
            put(text, 20, fraction == 3 ? nanos / 1_000_000 : fraction == 6 ? nanos / 1_000 : nanos, fraction);
        }
        text[text.length - 1] = 'Z';
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private static void put(byte[] text, int at, int value, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

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
