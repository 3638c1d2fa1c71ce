/**
 * Concurrency guards: one primitive per shape of race that broke the five seed systems.
 *
 * <table>
 *   <caption>Which guard for which race</caption>
 *   <tr><th>shape</th><th>guard</th></tr>
 *   <tr><td>check-then-act on a key</td><td>{@link dev.interlock.api.guard.KeyedMutex}</td></tr>
 *   <tr><td>many callers want one expensive result</td><td>{@link dev.interlock.api.guard.SingleFlight}</td></tr>
 *   <tr><td>async handler re-entered before the previous one finished</td>
 *       <td>{@link dev.interlock.api.guard.OperationQueue}, {@link dev.interlock.api.guard.KeyedOperationQueue}</td></tr>
 *   <tr><td>events arrive out of order or twice</td><td>{@link dev.interlock.api.guard.Sequencer}</td></tr>
 *   <tr><td>a listener registered after the event; waiters never woken</td><td>{@link dev.interlock.api.guard.Watch}</td></tr>
 * </table>
 *
 * <h2>Rules shared by every guard</h2>
 * <ul>
 *   <li><b>Nulls.</b> No method accepts {@code null} keys, values, operations or durations; each throws
 *       {@link java.lang.NullPointerException} naming the parameter.
 *   <li><b>Failures are asynchronous.</b> A method that returns a {@link java.util.concurrent.CompletionStage}
 *       reports guard failures (timeout, capacity, closed) by completing that stage exceptionally with a
 *       {@link dev.interlock.api.guard.GuardException} subclass; it throws only for caller mistakes
 *       (null, negative capacity, misuse such as releasing a permit twice).
 *   <li><b>Cancellation.</b> Stages returned to a caller are that caller's own: cancelling one (through
 *       {@code toCompletableFuture().cancel(..)}) withdraws only that caller and never cancels work shared with
 *       other callers.
 *   <li><b>Threads.</b> User callbacks (operations, sequencer deliveries) run on the
 *       {@link dev.interlock.api.exec.Scheduler} the guard was created with, never on a guard-internal thread.
 *       The one exception is single-flight work: it is invoked on the first caller's thread, inside
 *       {@link dev.interlock.api.guard.SingleFlight#execute(Object, java.util.function.Supplier) execute}; it must
 *       not block (it only starts the execution and returns its stage), and if it throws, every joined caller gets
 *       the failure.
 *       Dependent actions attached by the caller run on whichever thread completes the stage.
 *   <li><b>Memory effects.</b> Unless a guard says otherwise: actions in a thread before it releases a permit,
 *       completes an operation's stage or advances a watch happen-before actions that follow the matching
 *       acquisition, the start of the next operation, or the completion of a waiter.
 *   <li><b>Reentrancy.</b> Guards are not reentrant. Awaiting a guard from inside its own callback with the same
 *       key (for example submitting to a lane and waiting on the result from an operation of that lane) deadlocks;
 *       the guards do not detect it. The exception is a single-flight call on a key from inside that key's work
 *       supplier, which fails at once with {@link java.lang.IllegalStateException} (see
 *       {@link dev.interlock.api.guard.SingleFlight}).
 *   <li><b>Estimates.</b> Sizes and counts reported for monitoring ({@code activeKeys()}, {@code pending()}) are
 *       snapshots: use them for metrics and tests, never to decide whether to act.
 * </ul>
 */
package dev.interlock.api.guard;
