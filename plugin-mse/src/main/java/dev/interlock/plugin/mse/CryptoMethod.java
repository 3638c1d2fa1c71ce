package dev.interlock.plugin.mse;

import java.util.EnumSet;
import java.util.Set;

/** A payload crypto method of MSE: its bit in {@code crypto_provide} / {@code crypto_select}. */
public enum CryptoMethod {
    /** Bit 0x01: after the handshake the payload travels in the clear (the handshake itself is still obfuscated). */
    PLAINTEXT(0x01),
    /** Bit 0x02: the payload continues the handshake's RC4 streams. */
    RC4(0x02);

    private final int bit;

    CryptoMethod(int bit) {
        this.bit = bit;
    }

    /** The method's bit in the 4-byte big-endian field. */
    public int bit() {
        return bit;
    }

    /** The bitfield for {@code methods}. */
    public static int bits(Set<CryptoMethod> methods) {
        int bits = 0;
        for (CryptoMethod m : methods) {
            bits |= m.bit;
        }
        return bits;
    }

    /** The known methods whose bits are set in {@code bits}; unknown bits are ignored. */
    public static Set<CryptoMethod> fromBits(int bits) {
        EnumSet<CryptoMethod> set = EnumSet.noneOf(CryptoMethod.class);
        for (CryptoMethod m : values()) {
            if ((bits & m.bit) != 0) {
                set.add(m);
            }
        }
        return set;
    }

    /** Lower-case name for JSON and the CLI, e.g. {@code "rc4"}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
