package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Protobuf payloads to the JSON tree the family mapping reads, with the shipped {@code routes/meters.desc}. */
class ProtobufPayloadsTest {

    static final Path METERS = Path.of("routes", "meters.desc");

    private final ProtobufPayloads meters = load("meter.Reading");

    @Test
    void decodesFieldsByTheirProtoNamesWithTimestampsAsIsoAndEnumsByName() {
        Descriptor type = meters.type();
        DynamicMessage time = DynamicMessage.newBuilder(
                        type.findFieldByName("time").getMessageType())
                .setField(type.findFieldByName("time").getMessageType().findFieldByName("seconds"), 1763320419L)
                .setField(type.findFieldByName("time").getMessageType().findFieldByName("nanos"), 250_000_000)
                .build();
        byte[] payload = DynamicMessage.newBuilder(type)
                .setField(type.findFieldByName("time"), time)
                .setField(type.findFieldByName("voltage"), 231.5)
                .setField(
                        type.findFieldByName("phase"),
                        type.findEnumTypeByName("Phase").findValueByName("L2"))
                .build()
                .toByteArray();

        JsonNode tree = meters.decode(payload);

        assertThat(tree.get("time").asText()).isEqualTo("2025-11-16T19:13:39.250Z");
        assertThat(tree.get("voltage").doubleValue()).isEqualTo(231.5);
        assertThat(tree.get("phase").asText()).isEqualTo("L2");
        // optional (presence) and not sent: absent, so a schema's "required" sees it missing
        assertThat(tree.has("current")).isFalse();
        // proto3 without presence: the default, since "not sent" and "0" are the same on the wire
        assertThat(tree.get("energy_kwh").doubleValue()).isZero();
        // an empty map is left out, as JSON families leave out what a device did not send
        assertThat(tree.has("labels")).isFalse();
    }

    @Test
    void mapsAndRepeatedFieldsBecomeObjectsAndArrays() {
        Descriptor type = meters.type();
        Descriptor entry = type.findFieldByName("labels").getMessageType();
        byte[] payload = DynamicMessage.newBuilder(type)
                .setField(type.findFieldByName("voltage"), 230.0)
                .addRepeatedField(
                        type.findFieldByName("labels"),
                        DynamicMessage.newBuilder(entry)
                                .setField(entry.findFieldByName("key"), "site")
                                .setField(entry.findFieldByName("value"), "north")
                                .build())
                .build()
                .toByteArray();

        assertThat(meters.decode(payload).get("labels").get("site").asText()).isEqualTo("north");
    }

    @Test
    void garbageJsonAndEmptyPayloadsAreNotProtobuf() {
        for (byte[] payload : new byte[][] {
            "{\"voltage\":230}".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff},
            // valid wire format, but field 15 is not a field of meter.Reading
            new byte[] {0x78, 0x01},
            new byte[0]
        }) {
            assertThatThrownBy(() -> meters.decode(payload))
                    .isInstanceOfSatisfying(MessageRejectedException.class, e -> assertThat(e.reason())
                            .isEqualTo(RejectReason.NOT_PROTOBUF));
        }
    }

    @Test
    void floatsKeepTheirDecimalFormAndUnsigned64BitValuesStayPositive() {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("probe.proto")
                .setPackage("probe")
                .setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Probe")
                        .addField(field("level", 1, FieldDescriptorProto.Type.TYPE_FLOAT))
                        .addField(field("counter", 2, FieldDescriptorProto.Type.TYPE_UINT64)))
                .build();
        ProtobufPayloads probe = ProtobufPayloads.fromDescriptorSet(
                FileDescriptorSet.newBuilder().addFile(file).build().toByteArray(), "probe.Probe");
        Descriptor type = probe.type();
        byte[] payload = DynamicMessage.newBuilder(type)
                .setField(type.findFieldByName("level"), 21.3f)
                .setField(type.findFieldByName("counter"), -1L)
                .build()
                .toByteArray();

        JsonNode tree = probe.decode(payload);

        assertThat(tree.get("level").doubleValue()).isEqualTo(21.3);
        assertThat(tree.get("counter").bigIntegerValue()).hasToString("18446744073709551615");
    }

    @Test
    void anUnknownMessageTypeOrNotADescriptorSetIsAConfigurationProblem() throws Exception {
        byte[] set = Files.readAllBytes(METERS);
        assertThatThrownBy(() -> ProtobufPayloads.fromDescriptorSet(set, "meter.Nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'meter.Nope' is not in the descriptor set")
                .hasMessageContaining("meter.Reading");
        assertThatThrownBy(() -> ProtobufPayloads.fromDescriptorSet(
                        "syntax = \"proto3\";".getBytes(StandardCharsets.UTF_8), "meter.Reading"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }

    static ProtobufPayloads load(String messageType) {
        try {
            return ProtobufPayloads.fromDescriptorSet(Files.readAllBytes(METERS), messageType);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
