/**
 * Deterministic race testing for Interlock and for plugin authors: {@link dev.interlock.testkit.DeterministicScheduler}
 * (a seeded scheduler with a virtual clock), {@link dev.interlock.testkit.SimulatedLink} (duplex byte streams with
 * seeded latency, jitter, chunking, close and reset) and {@link dev.interlock.testkit.RaceHarness} (many seeds, the
 * failing one reported and replayable).
 *
 * <pre>{@code
 * @Test
 * void handshake_anyChunking_completesOnce() {
 *     RaceHarness.explore("handshake", 0, 10_000, s -> {
 *         SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
 *         ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);   // guards run on the same seeded scheduler
 *         Initiator a = new Initiator(link.left(), guard);
 *         Responder b = new Responder(link.right(), guard);
 *         a.start();
 *         s.runUntilIdle();                                     // or runFor(...) / runUntil(...)
 *         assertThat(b.state()).isEqualTo(State.DONE);
 *     }).assertClean();                                         // names the failing seed and how to replay it
 * }
 * }</pre>
 *
 * <h2>Rules shared by the whole package</h2>
 * <ul>
 *   <li><b>Determinism.</b> Given the same seed and the same sequence of calls, every choice made here (which ready
 *       task runs, timer ties, chunk sizes, delays, {@code random()}) is the same, so a failing seed is a complete
 *       reproduction. Code under test must take its time, execution and randomness from the scheduler for this to
 *       hold.
 *   <li><b>Threading.</b> Everything runs on the one thread that drives a {@code DeterministicScheduler}; the only
 *       thread-safe entry points are the scheduler's {@code execute}, {@code schedule}, time and query methods.
 *   <li><b>Failures.</b> Exceptions from tasks and handlers surface from the scheduler's run methods as
 *       {@link java.lang.AssertionError}s naming the seed, with the original exception as the cause.
 * </ul>
 */
package dev.interlock.testkit;
