package io.iotgateway.commands;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Moves the rest of a route onto one of a few single-threaded lanes, chosen by a key: exchanges with the same key keep
 * their order, exchanges with different keys no longer wait for each other. Reports are keyed by their MQTT topic (one
 * per device and component), so the first report of a new device, whose Kafka topic must be created before it can be
 * written, holds back only that device, not every device's reports. The exchange stays in flight until the route
 * completes on its lane, so the MQTT acknowledgement still follows the Kafka write.
 */
final class ReportLanes extends AsyncProcessorSupport {

    private final ExecutorService[] lanes;
    private final Function<Exchange, String> key;

    ReportLanes(CamelContext camel, String name, int count, Function<Exchange, String> key) {
        this.lanes = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = camel.getExecutorServiceManager().newSingleThreadExecutor(this, name + "-" + i);
        }
        this.key = key;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String laneKey = key.apply(exchange);
        ExecutorService lane = lanes[Math.floorMod(laneKey == null ? 0 : laneKey.hashCode(), lanes.length)];
        try {
            lane.execute(() -> callback.done(false));
            return false;
        } catch (RejectedExecutionException e) {
            // the context is stopping: the message is not acknowledged and comes back with the session
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }
}
