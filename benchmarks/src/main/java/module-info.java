/**
 * The JMH suite. Run through {@code scripts/benchmarks.sh}, which builds the self-contained
 * {@code benchmarks/target/benchmarks.jar} and writes {@code docs/benchmarks.md}.
 */
module dev.interlock.benchmarks {
    requires dev.interlock.api;
    requires com.google.common;
    requires com.github.benmanes.caffeine;
    requires jmh.core;
    requires dev.interlock.plugin.mse;
    requires dev.interlock.plugin.ratchet;
    requires org.bouncycastle.provider;
    requires dev.interlock.plugin.mls;
    requires org.bouncycastle.mls;

    opens dev.interlock.benchmarks.guard to jmh.core;
    opens dev.interlock.benchmarks.mse to jmh.core;
    opens dev.interlock.benchmarks.ratchet to jmh.core;
    opens dev.interlock.benchmarks.mls to jmh.core;
}
