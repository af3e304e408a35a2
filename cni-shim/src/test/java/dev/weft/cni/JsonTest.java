package dev.weft.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesAllValueKinds() throws Exception {
        Map<String, Object> m = Json.parseObject(
                " {\"s\":\"a\\\"b\\\\c\\u00e9\\n\",\"i\":-12,\"f\":1.5e2,\"t\":true,\"n\":null,\"a\":[1,[],{}],\"o\":{\"k\":false}} ");
        assertThat(m.get("s")).isEqualTo("a\"b\\cé\n");
        assertThat(m.get("i")).isEqualTo(-12L);
        assertThat(m.get("f")).isEqualTo(new BigDecimal("1.5e2"));
        assertThat(m.get("t")).isEqualTo(true);
        assertThat(m.get("n")).isSameAs(Json.NULL);
        assertThat(m.get("a")).isEqualTo(List.of(1L, List.of(), Map.of()));
        assertThat(m.get("o")).isEqualTo(Map.of("k", false));
        assertThat(List.copyOf(m.keySet())).containsExactly("s", "i", "f", "t", "n", "a", "o");
    }

    @Test
    void writeThenParseIsIdentity() throws Exception {
        String text = "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"198.18.0.2/32\",\"interface\":1}],"
                + "\"x\":null,\"big\":123456789012345678901234567890,\"neg\":-0.25,\"ctl\":\"\\u0001\\t\"}";
        Object v = Json.parse(text);
        assertThat(Json.write(v)).isEqualTo(text);
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "{",
                "{\"a\"}",
                "{\"a\":}",
                "{\"a\":1,}",
                "[1,]",
                "01",
                "1.",
                "-",
                "\"abc",
                "\"\\x\"",
                "\"\\u12\"",
                "tru",
                "nul",
                "{} {}",
                "{\"a\":1}x",
                "\"a\u0001\"",
                "{'a':1}",
                "1e",
                "[1 2]"
            })
    void rejectsMalformedInput(String text) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(JsonException.class);
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(deep))
                .isInstanceOf(JsonException.class)
                .hasMessageContaining("nesting");
        assertThat(Json.MAX_DEPTH).isLessThan(1000);
    }

    @Test
    void topLevelMustBeAnObjectForConfigs() {
        assertThatThrownBy(() -> Json.parseObject("[1]"))
                .isInstanceOf(JsonException.class)
                .hasMessageContaining("array");
    }

    @Test
    void randomGarbageNeverThrowsAnythingButJsonException() {
        java.util.Random r = new java.util.Random(42);
        String alphabet = "{}[]\":,.-+eE0123456789tfnarslu\\ \n";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(30);
            for (int j = 0; j < len; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            try {
                Object v = Json.parse(sb.toString());
                assertThat(Json.parse(Json.write(v))).isEqualTo(v);
            } catch (JsonException expected) {
                // fine: typed error
            }
        }
    }

    @Test
    void prettyOutputParsesBackToTheSameValue() throws Exception {
        Object v = Json.parse("{\"a\":[1,{\"b\":\"x\"},[]],\"c\":{},\"d\":null}");
        String pretty = Json.writePretty(v);
        assertThat(pretty).contains("\n  \"a\": [\n    1,");
        assertThat(Json.parse(pretty)).isEqualTo(v);
    }
}
