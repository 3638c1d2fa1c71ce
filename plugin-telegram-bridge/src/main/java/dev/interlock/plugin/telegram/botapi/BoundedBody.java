package dev.interlock.plugin.telegram.botapi;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body handler that keeps at most {@code limit} bytes: a longer body cancels the exchange and fails the
 * call with an {@link IOException} naming the limit. Bounds the memory a misbehaving Bot API server can make the
 * daemon use.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

    private final HttpResponse.BodySubscriber<byte[]> delegate = HttpResponse.BodySubscribers.ofByteArray();
    private final long limit;
    private long received;
    private Flow.Subscription subscription;
    private boolean failed;

    private BoundedBody(long limit) {
        this.limit = limit;
    }

    static HttpResponse.BodyHandler<byte[]> handler(long limit) {
        return info -> new BoundedBody(limit);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return delegate.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        delegate.onSubscribe(s);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        if (failed) {
            return;
        }
        for (ByteBuffer b : item) {
            received += b.remaining();
        }
        if (received > limit) {
            failed = true;
            subscription.cancel();
            delegate.onError(new IOException("the answer exceeds " + limit + " bytes"));
            return;
        }
        delegate.onNext(item);
    }

    @Override
    public void onError(Throwable t) {
        if (!failed) {
            delegate.onError(t);
        }
    }

    @Override
    public void onComplete() {
        if (!failed) {
            delegate.onComplete();
        }
    }
}
