package dev.interlock.plugin.ratchet;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RatchetOptionsTest {

    @Test
    void defaults_matchTheReferenceReleaseSettings() {
        RatchetOptions d = RatchetOptions.defaults();
        assertThat(d.window()).isEqualTo(32);
        assertThat(d.rekeyTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void outOfRangeValues_failNamingValueAndLimit() {
        RatchetOptions d = RatchetOptions.defaults();
        assertThatThrownBy(() -> d.withWindow(1)).hasMessageContaining("window must be 2..1024").hasMessageContaining("1");
        assertThatThrownBy(() -> d.withRekeyTimeout(Duration.ZERO)).hasMessageContaining("rekeyTimeout must be positive");
        assertThatThrownBy(() -> d.withMaxPayload(RatchetOptions.MAX_PAYLOAD_LIMIT + 1))
                .hasMessageContaining("maxPayload must be 1..1048576");
        assertThatThrownBy(() -> d.withReplayWindow(100)).hasMessageContaining("multiple of 64");
        assertThatThrownBy(() -> d.withLaneCapacity(0)).hasMessageContaining("laneCapacity");
        assertThatThrownBy(() -> d.withMaxStaleMessages(0)).hasMessageContaining("maxStaleMessages");
    }

    @Test
    void side_tieBreak_exactlyOneSideWins() {
        assertThat(Side.INITIATOR.winsTieBreak()).isTrue();
        assertThat(Side.RESPONDER.winsTieBreak()).isFalse();
        assertThat(Side.INITIATOR.peer()).isEqualTo(Side.RESPONDER);
    }
}
