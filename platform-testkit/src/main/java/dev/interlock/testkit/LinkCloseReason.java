package dev.interlock.testkit;

/** How a {@link SimulatedLink} connection ended, as reported to the endpoint that did not end it. */
public enum LinkCloseReason {
    /**
     * The peer called {@link Endpoint#close()}: everything it had sent was delivered first, in order, and nothing
     * more will arrive.
     */
    CLOSED,
    /**
     * The peer called {@link Endpoint#reset()}: data it had sent that was still in flight was dropped (what was
     * delivered before stays delivered), and nothing more will arrive.
     */
    RESET
}
