package io.iotgateway.support;

import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A test that needs a program from the machine (Chromium, docker-compose, Mosquitto). On a developer's machine without
 * it the test is skipped with the reason; in CI ({@code CI=true}, where .ci/run installs it) it fails instead, so a
 * broken install can never turn into a green run that checked nothing.
 */
public final class InstalledTool {

    private InstalledTool() {}

    public static void require(boolean installed, Supplier<String> reason) {
        if (installed) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(reason.get() + " - CI must install it (.ci/run)");
        }
        Assumptions.abort(reason.get());
    }
}
