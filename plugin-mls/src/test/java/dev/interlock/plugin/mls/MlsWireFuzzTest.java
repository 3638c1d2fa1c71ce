package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.internal.Bc;
import dev.interlock.plugin.mls.internal.MlsWire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutated real messages of every kind: the structural check either refuses them with an MlsException, or accepts
 * only messages whose every field fits in the message, so that bcmls's decoder cannot be made to allocate more than
 * the message's size (an accepted mutation may still fail to decode; it must not exhaust memory).
 */
class MlsWireFuzzTest {

    @TempDir
    Path dir;

    @Test
    void check_mutatedMessages_refusedOrSafeToDecode() {
        List<byte[]> samples = new ArrayList<>();
        try (Testbed t = new Testbed(3, dir)) {
            RecordingDelivery rec = new RecordingDelivery(t.ds);
            MlsClient alice = t.client(t.options("alice"), rec);
            t.await(alice.login(Testbed.PASSWORD));
            t.loggedIn("bob");
            samples.add(t.await(t.ds.claimKeyPackage("bob")));
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            t.await(alice.send(g, "sample".getBytes(StandardCharsets.UTF_8)));
            t.scheduler.runUntilIdle();
            samples.add(rec.welcomes.getFirst().welcome());
            samples.add(t.await(t.ds.groupInfo(g)));
            for (DeliveryService.Envelope e : t.await(t.ds.fetch(g, 0, 100))) {
                samples.add(e.message());
            }
        }
        assertThat(samples).hasSize(5);
        SplittableRandom random = new SplittableRandom(2026);
        int refused = 0;
        int accepted = 0;
        for (byte[] sample : samples) {
            assertThat(MlsWire.check(sample, 1 << 20, 0)).isNotNull();
            for (int i = 0; i < 2_000; i++) {
                byte[] m = mutate(sample, random);
                try {
                    MlsWire.check(m, 1 << 20, 0);
                } catch (MlsException e) {
                    refused++;
                    continue;
                }
                accepted++;
                MlsLane.runExclusive("decode fuzz", () -> {
                    try {
                        return Bc.decode(m);
                    } catch (Exception e) {
                        return null;
                    }
                });
            }
        }
        assertThat(refused).isPositive();
        assertThat(accepted).isPositive();
    }

    private static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] m = in.clone();
        switch (r.nextInt(4)) {
            case 0 -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            case 1 -> {
                int at = r.nextInt(m.length);
                m[at] = (byte) (0x80 | r.nextInt(0x40)); // a 4-byte length prefix
            }
            case 2 -> m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
            default -> {
                for (int k = 0; k < 4; k++) {
                    m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
        }
        return m;
    }
}
