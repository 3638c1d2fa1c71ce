package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.internal.EngineHarness.Side;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.interlock.plugin.mse.internal.EngineHarness.INFO_HASH;
import static dev.interlock.plugin.mse.internal.EngineHarness.initiator;
import static dev.interlock.plugin.mse.internal.EngineHarness.responder;
import static dev.interlock.plugin.mse.internal.EngineHarness.side;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Randomized fuzzing of both roles: arbitrary byte streams, and real transcripts with random mutations (so the
 * deeper states are reached), fed in random chunks. Every case must end in an outcome reported through the
 * listener (at most once) or in waiting for more input; nothing may throw; the buffer never holds more than the
 * largest field window ({@value #MAX_BUFFERED} bytes); and the whole run must finish (no hang).
 */
class HandshakeFuzzTest {

    /** Cases per category; override with -Dmse.fuzz.cases=N. */
    static final int CASES = Integer.getInteger("mse.fuzz.cases", 1000);
    /** The largest amount a waiting state may buffer: the req1 window minus one byte. */
    static final int MAX_BUFFERED = HandshakeEngine.MAX_PAD + 20;

    private static void feedChecked(Side s, byte[] stream, SplittableRandom r) {
        int i = 0;
        while (i < stream.length) {
            int n = Math.min(stream.length - i, 1 + r.nextInt(r.nextBoolean() ? 8 : 700));
            byte[] chunk = java.util.Arrays.copyOfRange(stream, i, i + n);
            i += n;
            s.feed(chunk);
            assertThat(s.failures).isLessThanOrEqualTo(1);
            if (s.engine.state() != HandshakeEngine.State.ESTABLISHED) {
                assertThat(s.engine.buffered()).isLessThanOrEqualTo(MAX_BUFFERED);
            }
        }
    }

    private static byte[] randomStream(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(3000)];
        r.nextBytes(b);
        if (r.nextInt(4) == 0 && b.length >= 20) {
            System.arraycopy(BtHandshake.HEADER, 0, b, 0, 20); // take the plain path now and then
        }
        return b;
    }

    private static byte[] mutate(byte[] t, SplittableRandom r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] m = t.clone();
        int flips = 1 + r.nextInt(4);
        for (int k = 0; k < flips && m.length > 0; k++) {
            m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
        }
        switch (r.nextInt(4)) {
            case 0 -> o.write(m, 0, r.nextInt(m.length + 1)); // truncated
            case 1 -> {
                int at = r.nextInt(m.length + 1);
                o.write(m, 0, at);
                byte[] junk = new byte[1 + r.nextInt(600)];
                r.nextBytes(junk);
                o.writeBytes(junk);
                o.write(m, at, m.length - at);
            }
            default -> o.writeBytes(m);
        }
        return o.toByteArray();
    }

    /** What an initiator (seed) sends to a responder (seed + 1), recorded from a real run. */
    private static byte[][] transcripts(long seed, Set<CryptoMethod> provide) {
        Side a = side(initiator(provide, INFO_HASH, seed % 2 == 0, new SplittableRandom(seed)));
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(seed + 1)));
        ByteArrayOutputStream ab = new ByteArrayOutputStream();
        ByteArrayOutputStream ba = new ByteArrayOutputStream();
        a.engine.start().toCompletableFuture().join();
        for (int round = 0; round < 10; round++) {
            byte[] x = a.drain();
            ab.writeBytes(x);
            if (x.length > 0) {
                b.feed(x);
            }
            byte[] y = b.drain();
            ba.writeBytes(y);
            if (y.length > 0) {
                a.feed(y);
            }
        }
        return new byte[][] {ab.toByteArray(), ba.toByteArray()};
    }

    @Test
    void bothRoles_arbitraryAndMutatedStreams_noExceptionNoHangBoundedBuffer() {
        int[] outcomes = new int[4]; // responder failed, responder established, initiator failed, initiator established
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            SplittableRandom r = new SplittableRandom(2026);
            for (int c = 0; c < CASES; c++) {
                long seed = r.nextLong();
                // responder: random bytes, then a mutated real initiator transcript
                Side b = side(responder(EncryptionPolicy.values()[c % 4], List.of(INFO_HASH), 68, new SplittableRandom(seed)));
                feedChecked(b, randomStream(r), r);
                Side a = side(initiator(c % 3 == 0 ? Set.of() : EnumSet.of(CryptoMethod.RC4), INFO_HASH, true, new SplittableRandom(seed)));
                a.engine.start().toCompletableFuture().join();
                feedChecked(a, randomStream(r), r);

                byte[][] t = transcripts(seed, c % 2 == 0 ? EnumSet.of(CryptoMethod.RC4)
                        : EnumSet.of(CryptoMethod.PLAINTEXT, CryptoMethod.RC4));
                Side b2 = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(seed + 1)));
                feedChecked(b2, mutate(t[0], r), r);
                outcomes[b2.failure != null ? 0 : b2.result != null ? 1 : 0] += b2.done() ? 1 : 0;
                Side a2 = side(initiator(c % 2 == 0 ? EnumSet.of(CryptoMethod.RC4)
                        : EnumSet.of(CryptoMethod.PLAINTEXT, CryptoMethod.RC4), INFO_HASH, seed % 2 == 0, new SplittableRandom(seed)));
                a2.engine.start().toCompletableFuture().join();
                feedChecked(a2, mutate(t[1], r), r);
                outcomes[a2.failure != null ? 2 : 3] += a2.done() ? 1 : 0;
            }
        });
        System.out.printf("mse fuzz: %d cases x 4 streams; mutated responder failed %d / established %d, "
                + "mutated initiator failed %d / established %d%n", CASES, outcomes[0], outcomes[1], outcomes[2], outcomes[3]);
        // mutations land both before and after the fields that matter: both kinds of outcome must occur
        assertThat(outcomes[0]).isPositive();
        assertThat(outcomes[2]).isPositive();
    }
}
