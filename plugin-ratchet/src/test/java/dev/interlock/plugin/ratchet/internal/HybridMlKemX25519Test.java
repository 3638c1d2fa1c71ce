package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.KeyExchange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HybridMlKemX25519Test {

    private final KeyExchange kem = KeyExchange.hybridMlKem768X25519();

    @Test
    void encapsulate_thenDecapsulate_bothSidesDeriveTheSame32ByteSecret() {
        try (KeyExchange.PendingKey alice = kem.generate()) {
            assertThat(alice.publicKey()).hasSize(1184 + 32);
            KeyExchange.Encapsulation bob = kem.encapsulate(alice.publicKey());
            assertThat(bob.ciphertext()).hasSize(1088 + 32);
            assertThat(bob.sharedSecret()).hasSize(32).isEqualTo(alice.decapsulate(bob.ciphertext()));
        }
    }

    @Test
    void encapsulate_twice_freshSecretsAndCiphertexts() {
        try (KeyExchange.PendingKey alice = kem.generate()) {
            KeyExchange.Encapsulation one = kem.encapsulate(alice.publicKey());
            KeyExchange.Encapsulation two = kem.encapsulate(alice.publicKey());
            assertThat(one.sharedSecret()).isNotEqualTo(two.sharedSecret());
            assertThat(one.ciphertext()).isNotEqualTo(two.ciphertext());
        }
    }

    @Test
    void decapsulate_tamperedMlKemOrX25519Part_yieldsADifferentSecret() {
        try (KeyExchange.PendingKey alice = kem.generate()) {
            KeyExchange.Encapsulation bob = kem.encapsulate(alice.publicKey());
            byte[] mlkemTampered = bob.ciphertext().clone();
            mlkemTampered[10] ^= 1;
            byte[] xTampered = bob.ciphertext().clone();
            xTampered[1088 + 5] ^= 1;
            assertThat(alice.decapsulate(mlkemTampered)).isNotEqualTo(bob.sharedSecret());
            assertThat(alice.decapsulate(xTampered)).isNotEqualTo(bob.sharedSecret());
        }
    }

    @Test
    void encapsulate_wrongLengthOrSmallOrderX25519Key_rejectedNamingTheProblem() {
        assertThatThrownBy(() -> kem.encapsulate(new byte[100])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1216 bytes").hasMessageContaining("100");
        byte[] pk;
        try (KeyExchange.PendingKey alice = kem.generate()) {
            pk = alice.publicKey();
        }
        Arrays.fill(pk, 1184, pk.length, (byte) 0); // X25519 point of small order
        assertThatThrownBy(() -> kem.encapsulate(pk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("small order");
    }

    @Test
    void decapsulate_afterClose_failsClearly() {
        KeyExchange.PendingKey alice = kem.generate();
        KeyExchange.Encapsulation bob = kem.encapsulate(alice.publicKey());
        alice.close();
        assertThatThrownBy(() -> alice.decapsulate(bob.ciphertext())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
