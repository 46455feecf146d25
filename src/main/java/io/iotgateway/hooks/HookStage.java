package io.iotgateway.hooks;

import java.util.List;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The last step of the ingest route: calls the hooks that admit the message, one after another, each with an exchange
 * of its own. One step instead of a loop, a recipient list and a split: every step of a route with redelivery costs a
 * defensive copy of the exchange, and that was the largest cost of ingest. Asynchronous, so a hook's Kafka write never
 * holds a thread while it waits for the broker.
 *
 * <p>When a hook fails, the ingest exchange fails with its exception and remembers which call failed; the error
 * policy's retry runs this step again and it carries on from that call, so a hook that already wrote is never called
 * twice for the message.
 */
final class HookStage extends AsyncProcessorSupport {

    /** The calls planned for the message and the index of the next one, kept across retries. */
    static final String CALLS = "gateway.hookCalls";

    static final String NEXT = "gateway.hookNext";

    private final TelemetryRouter router;

    HookStage(TelemetryRouter router) {
        this.router = router;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        @SuppressWarnings("unchecked")
        List<TelemetryRouter.HookCall> calls = exchange.getProperty(CALLS, List.class);
        if (calls == null) {
            calls = router.plan(exchange);
            exchange.setProperty(CALLS, calls);
        }
        if (calls.isEmpty()) {
            callback.done(true);
            return true;
        }
        int next = exchange.getProperty(NEXT, 0, Integer.class);
        return callFrom(exchange, calls, next, callback);
    }

    private boolean callFrom(
            Exchange exchange, List<TelemetryRouter.HookCall> calls, int from, AsyncCallback callback) {
        for (int i = from; i < calls.size(); i++) {
            TelemetryRouter.HookCall call = calls.get(i);
            AsyncProducer producer = router.producerFor(call.hook());
            if (producer == null) {
                continue; // unregistered since the message started: its file was deleted or no longer declares it
            }
            Exchange prepared = call.takePrepared();
            Exchange hook = prepared != null ? prepared : router.hookExchange(exchange, call.record());
            int index = i;
            boolean sync = producer.process(hook, doneSync -> {
                if (doneSync) {
                    return;
                }
                if (failed(exchange, hook, index)) {
                    callback.done(false);
                } else {
                    // the rest is reported as asynchronous, like this call was
                    callFrom(exchange, calls, index + 1, ignored -> callback.done(false));
                }
            });
            if (!sync) {
                return false;
            }
            if (failed(exchange, hook, i)) {
                callback.done(true);
                return true;
            }
        }
        exchange.removeProperty(CALLS);
        exchange.removeProperty(NEXT);
        callback.done(true);
        return true;
    }

    private static boolean failed(Exchange exchange, Exchange hook, int index) {
        Exception failure = hook.getException();
        if (failure == null) {
            return false;
        }
        exchange.setProperty(NEXT, index);
        exchange.setException(failure);
        return true;
    }
}
