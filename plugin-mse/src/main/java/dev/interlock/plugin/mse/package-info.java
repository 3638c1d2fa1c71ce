/**
 * BitTorrent Message Stream Encryption (MSE/PE): {@link dev.interlock.plugin.mse.MseConnector} for outgoing
 * connections, {@link dev.interlock.plugin.mse.MseAcceptor} for incoming ones, {@link
 * dev.interlock.plugin.mse.MseSession} for the established stream, {@link dev.interlock.plugin.mse.EncryptionPolicy}
 * for the policy matrix, and {@link dev.interlock.plugin.mse.MseException} for every way a handshake fails.
 *
 * <h2>Threading and ordering</h2>
 * Every byte a connection receives, every timeout and every close is applied to that connection's handshake state
 * machine through one {@link dev.interlock.api.guard.OperationQueue} (a serial lane): one input at a time, in
 * arrival order, the next only after the previous step, including its asynchronous Diffie-Hellman step, has
 * completed. Data that arrives while a step runs waits in the lane; it is never processed twice and never lost
 * (seed 000). Callbacks of a {@link dev.interlock.plugin.mse.MseSession} run in that lane too.
 */
package dev.interlock.plugin.mse;
