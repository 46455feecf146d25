package io.iotgateway.security;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Seeded generator of payloads that must be rejected: each starts from a valid document of the input and breaks it in
 * one of the ways in {@link Kind}, so every payload is invalid by construction (never accidentally accepted) and a
 * failing run is reproduced by its seed.
 */
final class HostilePayloads {

    /** How a payload is broken, and which reject reasons the gateway may give for it. */
    enum Kind {
        RANDOM_BYTES("not-json"),
        INVALID_UTF8("not-json"),
        TRUNCATED("not-json"),
        DEEP_NESTING("not-json", "schema-violation"),
        HUGE_STRING("schema-violation"),
        HUGE_NUMBER("not-json", "schema-violation"),
        NON_FINITE("not-json"),
        WRONG_TYPE("schema-violation"),
        MISSING_FIELD("schema-violation"),
        NOT_AN_OBJECT("not-json"),
        EMPTY("not-json"),
        DUPLICATE_NAME("not-json"),
        TRAILING_CONTENT("not-json"),
        UTF16_OR_32("not-json"),
        RAW_CONTROL_CHARACTER("not-json"),
        OVERSIZE("payload-too-large");

        final Set<String> reasons;

        Kind(String... reasons) {
            this.reasons = Set.of(reasons);
        }
    }

    /**
     * A valid document of one input.
     *
     * @param fields field name to its raw JSON value, in order
     * @param numbers required numeric fields
     * @param maxBytes the input's payload limit
     */
    record Shape(Map<String, String> fields, List<String> numbers, int maxBytes) {}

    record Payload(Kind kind, byte[] bytes) {

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static final Kind[] KINDS = Kind.values();
    private static final Charset[] WIDE = {
        StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE")
    };

    private final Random random;
    private final int sizeBudget;

    /** @param sizeBudget largest payload to make other than OVERSIZE ones (e.g. a WebSocket frame limit) */
    HostilePayloads(long seed, int sizeBudget) {
        this.random = new Random(seed);
        this.sizeBudget = sizeBudget;
    }

    Payload next(Shape shape, boolean oversize) {
        Kind kind;
        // oversize payloads are big: about 1 in 100
        do {
            kind = KINDS[random.nextInt(KINDS.length)];
        } while (kind == Kind.OVERSIZE && (!oversize || random.nextInt(7) != 0));
        return new Payload(kind, make(kind, shape));
    }

    private byte[] make(Kind kind, Shape shape) {
        Map<String, String> fields = new LinkedHashMap<>(shape.fields());
        String number = shape.numbers().get(random.nextInt(shape.numbers().size()));
        switch (kind) {
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[random.nextInt(Math.min(512, sizeBudget))];
                random.nextBytes(bytes);
                if (bytes.length > 0 && (bytes[0] == '{' || bytes[0] == ' ')) {
                    bytes[0] = (byte) 0xFF; // never the start of an object
                }
                return bytes;
            }
            case INVALID_UTF8 -> {
                byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xF8, (byte) 0x88}};
                fields.put("note", "\"ab\u0001cd\"");
                byte[] document = utf8(render(fields));
                int at = indexOf(document, (byte) 1);
                byte[] bad = invalid[random.nextInt(invalid.length)];
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(document, 0, at);
                out.write(bad, 0, bad.length);
                out.write(document, at + 1, document.length - at - 1);
                return out.toByteArray();
            }
            case TRUNCATED -> {
                byte[] document = utf8(render(fields));
                byte[] cut = new byte[random.nextInt(document.length - 1)];
                System.arraycopy(document, 0, cut, 0, cut.length);
                return cut;
            }
            case DEEP_NESTING -> {
                // up to past the parser's own nesting limit (1000)
                int depth = 33 + random.nextInt(Math.max(1, Math.min(1500, sizeBudget / 6) - 33));
                boolean array = random.nextBoolean();
                String open = array ? "[" : "{\"a\":";
                String close = array ? "]" : "}";
                // a quarter never closes
                String nested = open.repeat(depth) + "1" + (random.nextInt(4) == 0 ? "" : close.repeat(depth));
                fields.put("nested", nested);
                return utf8(render(fields));
            }
            case HUGE_STRING -> {
                // mostly a few KiB; one in ten up to half the input's limit
                int most = random.nextInt(10) == 0 ? sizeBudget / 2 : Math.min(8_000, sizeBudget / 2);
                int length = 1000 + random.nextInt(Math.max(1, most - 1000));
                fields.put(number, "\"" + "x".repeat(length) + "\"");
                return utf8(render(fields));
            }
            case HUGE_NUMBER -> {
                String huge =
                        switch (random.nextInt(3)) {
                            // past the parser's number length limit (1000 digits)
                            case 0 -> "9".repeat(1001 + random.nextInt(Math.min(2000, sizeBudget / 2)));
                            case 1 -> "1e" + (309 + random.nextInt(100_000));
                            default -> "-1.5e" + (309 + random.nextInt(100_000));
                        };
                fields.put(number, huge);
                return utf8(render(fields));
            }
            case NON_FINITE -> {
                String[] literals = {"NaN", "Infinity", "-Infinity", "+Infinity", "nan", "inf"};
                fields.put(number, literals[random.nextInt(literals.length)]);
                return utf8(render(fields));
            }
            case WRONG_TYPE -> {
                String[] values = {"\"12\"", "true", "false", "null", "[1]", "{\"v\":1}", "\"\"", "[]"};
                fields.put(number, values[random.nextInt(values.length)]);
                return utf8(render(fields));
            }
            case MISSING_FIELD -> {
                fields.remove(number);
                return utf8(render(fields));
            }
            case NOT_AN_OBJECT -> {
                String[] values = {"[]", "\"text\"", "42", "null", "true", "[" + render(fields) + "]", "-0.5e3"};
                return utf8(values[random.nextInt(values.length)]);
            }
            case EMPTY -> {
                return utf8(" \t\r\n".substring(0, random.nextInt(5)));
            }
            case DUPLICATE_NAME -> {
                String document = render(fields);
                String duplicate = "\"" + number + "\":" + shape.fields().get(number);
                return utf8(document.substring(0, document.length() - 1) + "," + duplicate + "}");
            }
            case TRAILING_CONTENT -> {
                String[] tails = {"}", "x", " {}", "\n1", ",", "]", " null", "{\"a\":1}"};
                return utf8(render(fields) + tails[random.nextInt(tails.length)]);
            }
            case UTF16_OR_32 -> {
                return render(fields).getBytes(WIDE[random.nextInt(WIDE.length)]);
            }
            case RAW_CONTROL_CHARACTER -> {
                char control = (char) (1 + random.nextInt(31));
                if (control == '\t' || control == '\n' || control == '\r') {
                    control = 0x1F;
                }
                fields.put("note", "\"a" + control + "b\"");
                return utf8(render(fields));
            }
            case OVERSIZE -> {
                fields.put("padding", "\"" + "p".repeat(shape.maxBytes() + random.nextInt(4096)) + "\"");
                return utf8(render(fields));
            }
            default -> throw new IllegalStateException(kind.name());
        }
    }

    static String render(Map<String, String> fields) {
        List<String> members = new ArrayList<>();
        fields.forEach((name, value) -> members.add("\"" + name + "\":" + value));
        return "{" + String.join(",", members) + "}";
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        throw new IllegalArgumentException("no marker");
    }
}
