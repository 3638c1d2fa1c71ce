package dev.interlock.plugin.mse;

import dev.interlock.testkit.Endpoint;

import java.util.function.Consumer;

/** {@link MseTransport} over one end of the testkit's {@link dev.interlock.testkit.SimulatedLink}. */
final class SimulatedTransport implements MseTransport {
    private final Endpoint endpoint;

    SimulatedTransport(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public void start(Consumer<byte[]> onReceive, Runnable onClosed) {
        endpoint.onReceive(onReceive);
        endpoint.onClose(reason -> onClosed.run());
    }

    @Override
    public void send(byte[] data) {
        if (endpoint.isOpen()) {
            endpoint.send(data);
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }

    @Override
    public String remote() {
        return endpoint.toString();
    }

    Endpoint endpoint() {
        return endpoint;
    }
}
