package io.iotgateway.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names with {@code {variable}} placeholders (topic patterns, fan-out topics and keys), and Kafka's topic-name rule. */
public final class TopicTemplate {

    /** A placeholder: {@code {name}}, the name a letter then letters or digits. */
    public static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

    /** What Kafka accepts as a topic name. */
    public static final String KAFKA_TOPIC_NAME = "[a-zA-Z0-9._-]{1,249}";

    private static final Pattern KAFKA_TOPIC = Pattern.compile(KAFKA_TOPIC_NAME);

    private TopicTemplate() {}

    public static List<String> variables(String template) {
        List<String> names = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(template);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** Replaces each placeholder by its value; unknown placeholders become empty. */
    public static String render(String template, Map<String, String> values) {
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(matcher.group(1), "")));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** A regex matching the names rendered from the template; each variable is a named group matching {@code value}. */
    public static Pattern toRegex(String template, String value) {
        return regex(template, value, true);
    }

    /** Matches every name the template can render to (each placeholder stands for one or more characters). */
    public static Pattern pattern(String template) {
        return regex(template, ".+", false);
    }

    private static Pattern regex(String template, String value, boolean named) {
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder regex = new StringBuilder();
        int literalStart = 0;
        while (matcher.find()) {
            regex.append(Pattern.quote(template.substring(literalStart, matcher.start())));
            regex.append(named ? "(?<" + matcher.group(1) + ">" : "(?:")
                    .append(value)
                    .append(')');
            literalStart = matcher.end();
        }
        regex.append(Pattern.quote(template.substring(literalStart)));
        return Pattern.compile(regex.toString());
    }

    public static boolean isKafkaTopic(String name) {
        return KAFKA_TOPIC.matcher(name).matches();
    }
}
