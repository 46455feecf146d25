package io.iotgateway.ingest;

import java.util.Map;

/** Which telemetry the device families declare to be reported twin state ({@code twin-reported} of a family file). */
public interface FamilyTwinMappings {

    /**
     * @return sensor type -> twin component for the family as it is loaded now; empty for an unknown family or one
     *     without {@code twin-reported}
     */
    Map<String, String> reportedComponents(String family);
}
