package io.iotgateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the payload of a {@code format: protobuf} family with {@link DynamicMessage} (no generated code) and turns
 * it into the same JSON tree a JSON family's payload is, so the family's JSON Schema and reading mapping apply
 * unchanged. Field names are the {@code .proto} names. A field with presence (proto2, proto3 {@code optional}, message
 * and oneof fields) appears only when the device set it, so a schema's {@code required} means "sent"; a proto3 field
 * without presence always appears, with its default when not sent, as the device cannot tell the two apart.
 *
 * <p>Built once per family version (descriptor parsing is the expensive part); {@link #decode} is thread-safe.
 */
final class ProtobufPayloads {

    /** Imports a descriptor set made without {@code --include_imports} may leave out: protobuf-java has them. */
    private static final Map<String, FileDescriptor> WELL_KNOWN = Map.of(
            "google/protobuf/timestamp.proto", TimestampProto.getDescriptor(),
            "google/protobuf/duration.proto", DurationProto.getDescriptor(),
            "google/protobuf/wrappers.proto", WrappersProto.getDescriptor(),
            "google/protobuf/empty.proto", EmptyProto.getDescriptor());

    private static final String TIMESTAMP = "google.protobuf.Timestamp";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Descriptor type;

    ProtobufPayloads(Descriptor type) {
        this.type = type;
    }

    Descriptor type() {
        return type;
    }

    /**
     * Reads the message type {@code messageType} from a serialized {@code FileDescriptorSet}.
     *
     * @throws IllegalArgumentException naming what is wrong with the set or the type
     */
    static ProtobufPayloads fromDescriptorSet(byte[] descriptorSet, String messageType) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(descriptorSet);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "not a compiled descriptor set (protoc --descriptor_set_out): " + e.getMessage());
        }
        if (set.getFileCount() == 0) {
            throw new IllegalArgumentException("the descriptor set declares no .proto file");
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        set.getFileList().forEach(file -> protos.put(file.getName(), file));
        Map<String, FileDescriptor> built = new HashMap<>();
        List<String> types = new ArrayList<>();
        for (FileDescriptorProto file : protos.values()) {
            FileDescriptor descriptor = build(file.getName(), protos, built, 0);
            for (Descriptor message : descriptor.getMessageTypes()) {
                Descriptor found = find(message, messageType, types);
                if (found != null) {
                    return new ProtobufPayloads(found);
                }
            }
        }
        throw new IllegalArgumentException(
                "message type '" + messageType + "' is not in the descriptor set; it declares " + types);
    }

    private static Descriptor find(Descriptor message, String name, List<String> seen) {
        seen.add(message.getFullName());
        if (message.getFullName().equals(name)) {
            return message;
        }
        for (Descriptor nested : message.getNestedTypes()) {
            if (!nested.getOptions().getMapEntry()) {
                Descriptor found = find(nested, name, seen);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static FileDescriptor build(
            String name, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built, int depth) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            FileDescriptor wellKnown = WELL_KNOWN.get(name);
            if (wellKnown != null) {
                return wellKnown;
            }
            throw new IllegalArgumentException(
                    "the descriptor set lacks the import '" + name + "'; compile it with protoc --include_imports");
        }
        if (depth > protos.size()) {
            throw new IllegalArgumentException("the imports of '" + name + "' form a cycle");
        }
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            dependencies.add(build(dependency, protos, built, depth + 1));
        }
        try {
            FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
            built.put(name, file);
            return file;
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException("'" + name + "' is not a valid descriptor: " + e.getMessage());
        }
    }

    /**
     * @throws MessageRejectedException {@code not-protobuf} when the bytes are not a message of the type, {@code
     *     schema-violation} when a proto2 {@code required} field is missing
     */
    ObjectNode decode(byte[] payload) {
        if (payload.length == 0) {
            // An empty MQTT payload clears a retained message; it is never a reading.
            throw new MessageRejectedException(RejectReason.NOT_PROTOBUF, "payload is empty");
        }
        DynamicMessage message;
        try {
            message = DynamicMessage.newBuilder(type).mergeFrom(payload).buildPartial();
        } catch (InvalidProtocolBufferException e) {
            throw new MessageRejectedException(
                    RejectReason.NOT_PROTOBUF,
                    "payload is not a Protobuf " + type.getFullName() + ": " + e.getMessage());
        }
        // The wire format is lenient: bytes of another message type or plain garbage often parse into fields the
        // type does not declare. Those would be silently dropped, so they make the payload unusable instead.
        if (!message.getUnknownFields().asMap().isEmpty()) {
            throw new MessageRejectedException(
                    RejectReason.NOT_PROTOBUF,
                    "payload is not a Protobuf " + type.getFullName() + ": it has field numbers the type does not"
                            + " declare " + message.getUnknownFields().asMap().keySet());
        }
        if (!message.isInitialized()) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION,
                    "required fields are missing: " + String.join(", ", message.findInitializationErrors()));
        }
        return object(message);
    }

    private static ObjectNode object(Message message) {
        ObjectNode node = NODES.objectNode();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.isRepeated()) {
                if (message.getRepeatedFieldCount(field) > 0) {
                    node.set(field.getName(), repeated(message, field));
                }
            } else if (!field.hasPresence() || message.hasField(field)) {
                node.set(field.getName(), value(field, message.getField(field)));
            }
        }
        return node;
    }

    private static JsonNode repeated(Message message, FieldDescriptor field) {
        int count = message.getRepeatedFieldCount(field);
        if (field.isMapField()) {
            ObjectNode map = NODES.objectNode();
            FieldDescriptor key = field.getMessageType().findFieldByNumber(1);
            FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
            for (int i = 0; i < count; i++) {
                Message entry = (Message) message.getRepeatedField(field, i);
                map.set(String.valueOf(entry.getField(key)), value(value, entry.getField(value)));
            }
            return map;
        }
        ArrayNode array = NODES.arrayNode(count);
        for (int i = 0; i < count; i++) {
            array.add(value(field, message.getRepeatedField(field, i)));
        }
        return array;
    }

    private static JsonNode value(FieldDescriptor field, Object value) {
        return switch (field.getType()) {
            case INT32, SINT32, SFIXED32 -> NODES.numberNode((Integer) value);
            case UINT32, FIXED32 -> NODES.numberNode(Integer.toUnsignedLong((Integer) value));
            case INT64, SINT64, SFIXED64 -> NODES.numberNode((Long) value);
            case UINT64, FIXED64 -> {
                long number = (Long) value;
                yield number >= 0
                        ? NODES.numberNode(number)
                        : NODES.numberNode(new BigInteger(Long.toUnsignedString(number)));
            }
            // via its decimal form, so 21.3f is 21.3 and not 21.299999237060547
            case FLOAT -> NODES.numberNode(Double.parseDouble(Float.toString((Float) value)));
            case DOUBLE -> NODES.numberNode((Double) value);
            case BOOL -> NODES.booleanNode((Boolean) value);
            case STRING -> NODES.textNode((String) value);
            case BYTES -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case ENUM -> NODES.textNode(((EnumValueDescriptor) value).getName());
            case MESSAGE, GROUP -> message((Message) value);
        };
    }

    /** A Timestamp becomes ISO-8601 (usable as a family's timestamp-field), a wrapper its value. */
    private static JsonNode message(Message message) {
        Descriptor descriptor = message.getDescriptorForType();
        if (TIMESTAMP.equals(descriptor.getFullName())) {
            long seconds = (Long) message.getField(descriptor.findFieldByNumber(1));
            int nanos = (Integer) message.getField(descriptor.findFieldByNumber(2));
            return NODES.textNode(Instant.ofEpochSecond(seconds, nanos).toString());
        }
        if (descriptor.getFile().getName().equals("google/protobuf/wrappers.proto")) {
            FieldDescriptor wrapped = descriptor.findFieldByNumber(1);
            return value(wrapped, message.getField(wrapped));
        }
        return object(message);
    }
}
