package dev.interlock.plugin.mse;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Settings shared by {@link MseConnector} and {@link MseAcceptor}. Immutable; arrays are copied in and out.
 *
 * @param policy            the encryption policy (see {@link EncryptionPolicy} for the matrix)
 * @param peerId            our 20-byte BitTorrent peer id
 * @param reserved          our 8 reserved bytes of the BitTorrent handshake
 * @param handshakeTimeout  how long an attempt may take from connect/accept to both handshakes done
 *                          (default {@link #DEFAULT_HANDSHAKE_TIMEOUT})
 * @param maxInitialPayload the largest len(IA) a responder accepts, 0..65535 (default 68: one BitTorrent handshake)
 * @param handshakeAsIa     whether an initiator sends its BitTorrent handshake as IA (default) or after PadD
 * @param random            the source of private exponents and pads: a {@link SecureRandom} in production, the
 *                          testkit scheduler's seeded generator in tests
 */
public record MseConfig(EncryptionPolicy policy, byte[] peerId, byte[] reserved, Duration handshakeTimeout,
                        int maxInitialPayload, boolean handshakeAsIa, RandomGenerator random) {

    /** The spec's handshake timeout (libtorrent uses 10 s). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

    public MseConfig {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (peerId.length != 20) {
            throw new IllegalArgumentException("peerId must be 20 bytes, got " + peerId.length);
        }
        if (reserved.length != 8) {
            throw new IllegalArgumentException("reserved must be 8 bytes, got " + reserved.length);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, got " + handshakeTimeout);
        }
        if (maxInitialPayload < 0 || maxInitialPayload > 0xffff) {
            throw new IllegalArgumentException("maxInitialPayload must be within 0..65535, got " + maxInitialPayload);
        }
        peerId = peerId.clone();
        reserved = reserved.clone();
    }

    /** Defaults for {@code policy} and {@code peerId}: 30 s timeout, IA = our handshake, SecureRandom. */
    public static MseConfig of(EncryptionPolicy policy, byte[] peerId) {
        return new MseConfig(policy, peerId, new byte[8], DEFAULT_HANDSHAKE_TIMEOUT, 68, true, new SecureRandom());
    }

    @Override
    public byte[] peerId() {
        return peerId.clone();
    }

    @Override
    public byte[] reserved() {
        return reserved.clone();
    }

    /** A copy with another policy. */
    public MseConfig withPolicy(EncryptionPolicy p) {
        return new MseConfig(p, peerId, reserved, handshakeTimeout, maxInitialPayload, handshakeAsIa, random);
    }

    /** A copy with another handshake timeout. */
    public MseConfig withHandshakeTimeout(Duration t) {
        return new MseConfig(policy, peerId, reserved, t, maxInitialPayload, handshakeAsIa, random);
    }

    /** A copy with another random source. */
    public MseConfig withRandom(RandomGenerator r) {
        return new MseConfig(policy, peerId, reserved, handshakeTimeout, maxInitialPayload, handshakeAsIa, r);
    }

    /** A copy that sends the BitTorrent handshake as IA ({@code true}) or after PadD ({@code false}). */
    public MseConfig withHandshakeAsIa(boolean asIa) {
        return new MseConfig(policy, peerId, reserved, handshakeTimeout, maxInitialPayload, asIa, random);
    }

    /** A copy accepting at most {@code max} bytes of IA. */
    public MseConfig withMaxInitialPayload(int max) {
        return new MseConfig(policy, peerId, reserved, handshakeTimeout, max, handshakeAsIa, random);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MseConfig c && policy == c.policy && java.util.Arrays.equals(peerId, c.peerId)
                && java.util.Arrays.equals(reserved, c.reserved) && handshakeTimeout.equals(c.handshakeTimeout)
                && maxInitialPayload == c.maxInitialPayload && handshakeAsIa == c.handshakeAsIa && random == c.random;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(policy, java.util.Arrays.hashCode(peerId), handshakeTimeout, maxInitialPayload);
    }

    @Override
    public String toString() {
        return "MseConfig[policy=" + policy.label() + ", timeout=" + handshakeTimeout + ", maxIA=" + maxInitialPayload
                + ", iaHandshake=" + handshakeAsIa + "]";
    }
}
