package io.iotgateway.benchmark;

import io.iotgateway.support.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/** Many real SSE connections that only count the events they receive, as idle dashboards would. */
final class SseLoad implements AutoCloseable {

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<CompletableFuture<?>> streams = new ArrayList<>();
    private final List<Flow.Subscription> subscriptions = new ArrayList<>();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong connected = new AtomicLong();

    /** Opens one connection per URL; returns once every stream has sent its first line. */
    SseLoad(List<String> urls) {
        for (String url : urls) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", Http.bearer(Http.VIEWER_TOKEN))
                    .build();
            streams.add(client.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new Counter())));
        }
    }

    long connected() {
        return connected.get();
    }

    long events() {
        return events.get();
    }

    @Override
    public void close() {
        synchronized (subscriptions) {
            subscriptions.forEach(Flow.Subscription::cancel);
        }
        streams.forEach(stream -> stream.cancel(true));
    }

    private final class Counter implements Flow.Subscriber<String> {

        private boolean first = true;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            synchronized (subscriptions) {
                subscriptions.add(subscription);
            }
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (first) {
                first = false;
                connected.incrementAndGet();
            }
            if (line.startsWith("event:")) {
                events.incrementAndGet();
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }
}
