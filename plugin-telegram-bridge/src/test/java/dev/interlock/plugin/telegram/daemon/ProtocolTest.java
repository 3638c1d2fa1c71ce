package dev.interlock.plugin.telegram.daemon;

import dev.interlock.plugin.telegram.store.NewRow;
import dev.interlock.plugin.telegram.store.OutboxEntry;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The socket framing, message validation, rendering, splitting and packing, in memory. */
class ProtocolTest {

    private static final class Collect implements LineFramer.Sink {
        final List<String> lines = new ArrayList<>();
        final List<Long> overlong = new ArrayList<>();

        @Override
        public boolean line(byte[] line) {
            lines.add(new String(line, StandardCharsets.UTF_8));
            return true;
        }

        @Override
        public boolean overlong(long length) {
            overlong.add(length);
            return true;
        }
    }

    @Test
    void framer_inputInRandomFragments_sameLinesAsWhole() {
        String input = "{\"a\":1}\n\r\n{\"b\":\"é😀\"}\r\nxyz\n" + "q".repeat(100) + "\nend\npartial";
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        for (long seed = 0; seed < 200; seed++) {
            Random r = new Random(seed);
            LineFramer framer = new LineFramer(64);
            Collect c = new Collect();
            int i = 0;
            while (i < bytes.length) {
                int n = 1 + r.nextInt(Math.min(17, bytes.length - i));
                framer.feed(ByteBuffer.wrap(bytes, i, n), c);
                i += n;
            }
            assertThat(c.lines).as("seed %d", seed).containsExactly("{\"a\":1}", "{\"b\":\"é😀\"}", "xyz", "end");
            assertThat(c.overlong).containsExactly(100L);
            assertThat(framer.partial()).isEqualTo("partial".length());
        }
    }

    @Test
    void framer_lineExactlyAtLimit_accepted() {
        LineFramer framer = new LineFramer(8);
        Collect c = new Collect();
        framer.feed(ByteBuffer.wrap("12345678\n123456789\nok\n".getBytes(StandardCharsets.US_ASCII)), c);
        assertThat(c.lines).containsExactly("12345678", "ok");
        assertThat(c.overlong).containsExactly(9L);
    }

    @Test
    void parse_validMessage_fieldsRead() throws Exception {
        BridgeMessage m = BridgeMessage.parse(("{\"type\":\"tool_start\",\"sessionId\":\"abc-1\",\"timestamp\":\"t\","
                + "\"content\":\"c\",\"metadata\":{\"tool\":\"Bash\"}}").getBytes(StandardCharsets.UTF_8));
        assertThat(m.type()).isEqualTo("tool_start");
        assertThat(m.sessionId()).isEqualTo("abc-1");
        assertThat(m.metadata().path("tool").asText()).isEqualTo("Bash");
    }

    @Test
    void parse_badMessages_reasonNamesTheProblem() {
        assertThatThrownBy(() -> BridgeMessage.parse("{".getBytes())).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"sessionId\":\"s\"}".getBytes()))
                .hasMessageStartingWith("missing 'type'");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"type\":\"x\",\"sessionId\":\"s\"}".getBytes()))
                .hasMessageStartingWith("unknown type 'x'");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"type\":\"error\"}".getBytes()))
                .hasMessageStartingWith("missing 'sessionId'");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"type\":\"error\",\"sessionId\":\"a b\"}".getBytes()))
                .hasMessageStartingWith("sessionId is malformed");
        assertThatThrownBy(() -> BridgeMessage.parse(("{\"type\":\"error\",\"sessionId\":\"" + "a".repeat(129) + "\"}")
                .getBytes())).hasMessageContaining("1..128");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"type\":\"error\",\"sessionId\":\"s\",\"content\":5}".getBytes()))
                .hasMessageStartingWith("'content' must be a string");
        assertThatThrownBy(() -> BridgeMessage.parse("{\"type\":\"error\",\"sessionId\":\"s\",\"metadata\":[]}".getBytes()))
                .hasMessageStartingWith("'metadata' must be an object");
    }

    @Test
    void render_markupInContent_escaped() throws Exception {
        BridgeMessage m = BridgeMessage.parse("{\"type\":\"agent_response\",\"sessionId\":\"s\",\"content\":\"a<b>&c\"}"
                .getBytes());
        NewRow row = Renderer.render(m).getFirst();
        assertThat(row.html()).isEqualTo("<b>🤖 Agent</b>\na&lt;b&gt;&amp;c");
        assertThat(row.plain()).isEqualTo("🤖 Agent\na<b>&c");
    }

    @Test
    void split_longTextWithSurrogates_partsWithinLimitNothingLost() {
        String text = "😀".repeat(3000) + "\n" + "a".repeat(5000);
        List<String> parts = Renderer.split(text, 4000);
        assertThat(String.join("", parts)).isEqualTo(text);
        assertThat(parts).allMatch(p -> p.length() <= 4000)
                .allMatch(p -> !Character.isHighSurrogate(p.charAt(p.length() - 1)));
    }

    @Test
    void topicName_longProjectPath_withinTelegramLimit() {
        assertThat(Renderer.topicName("0123456789abcdef", "/home/me/" + "p".repeat(300))).hasSize(128);
        assertThat(Renderer.topicName("0123456789abcdef", "/home/me/proj/")).isEqualTo("proj · 01234567");
        assertThat(Renderer.topicName("abc", null)).isEqualTo("session abc");
    }

    @Test
    void pack_mixedRows_approvalAloneAndLimitKept() {
        OutboxEntry a = new OutboxEntry(1, "s", 1, OutboxEntry.Kind.TEXT, "<b>x</b>", "x", null);
        OutboxEntry b = new OutboxEntry(2, "s", 1, OutboxEntry.Kind.TEXT, null, "y".repeat(3000), null);
        OutboxEntry c = new OutboxEntry(3, "s", 1, OutboxEntry.Kind.TEXT, "z", "z".repeat(2000), null);
        OutboxEntry ap = new OutboxEntry(4, "s", 1, OutboxEntry.Kind.APPROVAL, "?", "?", "id");
        assertThat(ChatPacer.pack(List.of(a, b, c, ap))).containsExactly(a, b);
        assertThat(ChatPacer.pack(List.of(ap, a))).containsExactly(ap);
        assertThat(ChatPacer.pack(List.of(a, ap))).containsExactly(a);
    }
}
