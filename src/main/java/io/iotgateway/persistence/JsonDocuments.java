package io.iotgateway.persistence;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;

/**
 * Reads a JSON object into a MongoDB {@link Document} with the types {@link Document#parse} gives plain JSON (int32
 * where a number fits, else int64, else double; nested objects as documents, arrays as lists), in one pass over the
 * bytes. {@code Document.parse} reads a String through a general extended-JSON reader, and was a third of the
 * persistence consumer's time; it is still used for a record that uses extended JSON ({@code $}-keys), so such a
 * record is stored exactly as before.
 */
final class JsonDocuments {

    private static final JsonFactory JSON = new JsonFactory();

    private JsonDocuments() {}

    /** @throws IllegalArgumentException with what is wrong, when the bytes are not one JSON object */
    static Document read(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            Document document = object(parser);
            if (document == null || parser.nextToken() != null) {
                return Document.parse(new String(body, StandardCharsets.UTF_8));
            }
            return document;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The object the parser is at, or null when it uses extended JSON. */
    private static Document object(JsonParser parser) throws IOException {
        Document document = new Document();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (name.startsWith("$")) {
                return null;
            }
            parser.nextToken();
            Object value = value(parser);
            if (value == EXTENDED) {
                return null;
            }
            document.put(name, value);
        }
        return document;
    }

    private static final Object EXTENDED = new Object();

    private static Object value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                Document nested = object(parser);
                yield nested == null ? EXTENDED : nested;
            }
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    Object item = value(parser);
                    if (item == EXTENDED) {
                        yield EXTENDED;
                    }
                    items.add(item);
                }
                yield items;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT ->
                switch (parser.getNumberType()) {
                    case INT -> parser.getIntValue();
                    case LONG -> parser.getLongValue();
                    // as Document.parse
                    default ->
                        throw new IllegalArgumentException("integer " + parser.getText() + " does not fit in 64 bits");
                };
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected " + parser.currentToken());
        };
    }
}
