/**
 * The JMH suite. Run through {@code scripts/benchmarks.sh}, which builds the self-contained
 * {@code benchmarks/target/benchmarks.jar} and writes {@code docs/benchmarks.md}.
 */
module dev.interlock.benchmarks {
    requires dev.interlock.api;
    requires com.google.common;
    requires com.github.benmanes.caffeine;
    requires jmh.core;

    opens dev.interlock.benchmarks.guard to jmh.core;
}
