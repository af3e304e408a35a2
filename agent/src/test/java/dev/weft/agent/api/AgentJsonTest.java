package dev.weft.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.cni.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's Jackson JSON writes exactly what the plugin's codec writes, and reads what it reads. */
class AgentJsonTest {

    static Map<String, Object> sample() {
        return AgentJson.obj(
                "cniVersion", "1.0.0",
                "interfaces",
                        List.of(
                                AgentJson.obj("name", "weft0123456789a", "mac", "02:57:00:00:00:01"),
                                AgentJson.obj("name", "eth0", "sandbox", "/run/netns/x")),
                "ips", List.of(AgentJson.obj("address", "10.32.0.5/32", "gateway", "169.254.1.1", "interface", 1)),
                "routes", List.of(),
                "dns", Map.of(),
                "numbers", List.of(0, -1, 4_294_967_296L, 1.5, 0.1, 1e10, 2.5f, new BigDecimal("3.14159")),
                "flags", List.of(true, false),
                "nothing", Json.NULL,
                "text",
                        "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f nul\u0000 us\u001f del\u007f é 日本 \u2028 😀",
                "nested", AgentJson.obj("a", AgentJson.obj("b", List.of(List.of(), AgentJson.obj()))));
    }

    @Test
    void writesTheSameBytesAsThePluginCodec() {
        assertThat(AgentJson.write(sample())).isEqualTo(Json.write(sample()));
    }

    @Test
    void prettyOutputIsTheSameAsThePluginCodec() {
        assertThat(AgentJson.writePretty(sample())).isEqualTo(Json.writePretty(sample()));
        Map<String, Object> conflist = AgentJson.obj(
                "cniVersion",
                "1.0.0",
                "name",
                "weft",
                "plugins",
                List.of(
                        AgentJson.obj("type", "weft"),
                        AgentJson.obj(
                                "type", "portmap", "capabilities", AgentJson.obj("portMappings", true), "snat", true)));
        assertThat(AgentJson.writePretty(conflist))
                .isEqualTo(Json.writePretty(conflist))
                .endsWith("}\n");
    }

    @Test
    void readsWhatThePluginCodecReads() throws Exception {
        String text = Json.write(sample());
        Map<String, Object> mine = AgentJson.parseObject(text);
        Map<String, Object> theirs = Json.parseObject(text);
        assertThat(new ArrayList<>(mine.keySet())).isEqualTo(new ArrayList<>(theirs.keySet()));
        assertThat(mine.get("numbers")).isEqualTo(theirs.get("numbers")); // Long and BigDecimal, as the plugin's
        assertThat(mine.get("text")).isEqualTo(theirs.get("text"));
        assertThat(mine.get("nothing")).isNull();
        assertThat(AgentJson.write(mine)).isEqualTo(text);
    }

    @Test
    void rejectsWhatIsNotExactlyOneObject() {
        assertThatThrownBy(() -> AgentJson.parseObject("[1]")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> AgentJson.parseObject("null"))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> AgentJson.parseObject("{} {}")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> AgentJson.parseObject("{\"a\":")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> AgentJson.parseObject("{\"a\":1,}")).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "{\"a\":".repeat(Json.MAX_DEPTH + 2) + "1" + "}".repeat(Json.MAX_DEPTH + 2);
        assertThatThrownBy(() -> AgentJson.parseObject(deep))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("depth");
        String ok = "{\"a\":".repeat(Json.MAX_DEPTH - 1) + "1" + "}".repeat(Json.MAX_DEPTH - 1);
        assertThat(catchingNone(ok)).isTrue();
    }

    static boolean catchingNone(String text) {
        try {
            AgentJson.parseObject(text);
            return true;
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void nonNumbersAreRefused() {
        assertThatThrownBy(() -> AgentJson.write(AgentJson.obj("x", Double.NaN)))
                .hasMessageContaining("not a JSON number");
    }
}
