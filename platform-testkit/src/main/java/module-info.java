/**
 * The Interlock testkit: deterministic race testing for the platform and for plugin authors.
 *
 * <ul>
 *   <li>{@link dev.interlock.testkit.DeterministicScheduler}: a seeded {@link dev.interlock.api.exec.Scheduler}
 *       with a virtual clock; one reproducible interleaving per seed.
 *   <li>{@link dev.interlock.testkit.SimulatedLink}: an in-memory duplex byte stream with seeded latency, jitter,
 *       re-chunking, graceful close and abrupt reset.
 *   <li>{@link dev.interlock.testkit.RaceHarness}: runs a scenario over many seeds, reports the failing seed and
 *       replays it.
 * </ul>
 */
module dev.interlock.testkit {
    requires transitive dev.interlock.api;

    exports dev.interlock.testkit;
}
