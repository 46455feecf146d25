package io.iotgateway.sandbox;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated energy meters' payloads: {@code meter.Reading} messages built from {@code routes/meters.desc}, the
 * descriptor set the gateway's {@code meters} family decodes with, so simulator and gateway share one schema.
 */
final class MeterPayloads {

    private static final Logger LOG = LoggerFactory.getLogger(MeterPayloads.class);

    private final Descriptor reading;

    private MeterPayloads(Descriptor reading) {
        this.reading = reading;
    }

    /** The payloads, or null (the meters stay silent) when the routes directory has no meters family. */
    static MeterPayloads load(Path descriptorSet) {
        if (!Files.isRegularFile(descriptorSet)) {
            LOG.info("no {}: the simulated energy meters stay silent", descriptorSet);
            return null;
        }
        try {
            FileDescriptorSet set = FileDescriptorSet.parseFrom(Files.readAllBytes(descriptorSet));
            Map<String, FileDescriptor> built = new HashMap<>();
            for (FileDescriptorProto file : set.getFileList()) {
                // protoc --include_imports lists every import before the files that use it
                FileDescriptor[] dependencies =
                        file.getDependencyList().stream().map(built::get).toArray(FileDescriptor[]::new);
                built.put(file.getName(), FileDescriptor.buildFrom(file, dependencies));
            }
            return new MeterPayloads(built.get("meters.proto").findMessageTypeByName("Reading"));
        } catch (IOException | DescriptorValidationException | RuntimeException e) {
            LOG.warn("cannot read {}: the simulated energy meters stay silent: {}", descriptorSet, e.getMessage());
            return null;
        }
    }

    byte[] reading(Instant time, double voltage, double current, double energyKwh, int phase) {
        Descriptor timestamp = reading.findFieldByName("time").getMessageType();
        DynamicMessage at = DynamicMessage.newBuilder(timestamp)
                .setField(timestamp.findFieldByName("seconds"), time.getEpochSecond())
                .setField(timestamp.findFieldByName("nanos"), time.getNano())
                .build();
        return DynamicMessage.newBuilder(reading)
                .setField(reading.findFieldByName("time"), at)
                .setField(reading.findFieldByName("voltage"), voltage)
                .setField(reading.findFieldByName("current"), current)
                .setField(reading.findFieldByName("energy_kwh"), energyKwh)
                .setField(
                        reading.findFieldByName("phase"),
                        reading.findEnumTypeByName("Phase").findValueByNumber(phase))
                .build()
                .toByteArray();
    }
}
