package dev.weft.agent.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.weft.cni.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's JSON (local API, CLI, CNI results, conflist), on Jackson. Values are plain maps (insertion ordered),
 * lists, strings, booleans, {@code Long} for integers and {@code BigDecimal} for other numbers, {@code null} for JSON
 * null. The text written is byte for byte what the plugin's small codec ({@link Json}, kept in the plugin for its
 * start-up time) writes: compact, or indented by two with {@code ": "} and a final newline; control characters as
 * lower-case {@code \\u00xx}; doubles as {@link BigDecimal#toString}. Input is limited to {@link Json#MAX_DEPTH}
 * levels and must be exactly one object.
 */
public final class AgentJson {
    private AgentJson() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(
                    DeserializationFeature.USE_LONG_FOR_INTS,
                    DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS,
                    DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .addModule(new SimpleModule("weft-json")
                    .addSerializer(Double.class, new DecimalSerializer<>(Double.class))
                    .addSerializer(Float.class, new DecimalSerializer<>(Float.class))
                    .addSerializer(new NullMarkerSerializer()))
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(Json.MAX_DEPTH)
                        .build());
        MAPPER.getFactory().setCharacterEscapes(new LowerHexEscapes());
    }

    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    /** Parses exactly one JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) throws JsonProcessingException {
        Object v = MAPPER.readValue(text, Object.class);
        if (!(v instanceof Map)) {
            throw JsonMappingException.from(
                    (com.fasterxml.jackson.core.JsonParser) null,
                    "expected a JSON object at the top level, got " + Json.typeName(v == null ? Json.NULL : v));
        }
        return (Map<String, Object>) v;
    }

    /** Compact JSON text. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Indented JSON (two spaces, one member per line, final newline) for files operators read, such as the conflist. */
    public static String writePretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** An ordered map builder: {@code AgentJson.obj("a", 1, "b", "x")}. Null values are skipped. */
    public static Map<String, Object> obj(Object... kv) {
        if (kv.length % 2 != 0) throw new IllegalArgumentException("odd number of key/value arguments");
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Doubles and floats as {@code BigDecimal.valueOf(d).toString()}; NaN and infinities are not JSON. */
    private static final class DecimalSerializer<T extends Number> extends StdSerializer<T> {
        DecimalSerializer(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("not a JSON number: " + d);
            gen.writeNumber(BigDecimal.valueOf(d));
        }
    }

    /** {@link Json#NULL} (in configurations parsed by the plugin's codec and echoed back) is JSON null. */
    private static final class NullMarkerSerializer extends StdSerializer<Object> {
        @SuppressWarnings("unchecked")
        NullMarkerSerializer() {
            super((Class<Object>) Json.NULL.getClass());
        }

        @Override
        public void serialize(Object value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNull();
        }
    }

    /** Like Jackson's, but backspace and form feed as {@code \\u0008}/{@code \\u000c} (as the plugin writes them). */
    private static final class LowerHexEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        LowerHexEscapes() {
            ascii['\b'] = ESCAPE_STANDARD;
            ascii['\f'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
