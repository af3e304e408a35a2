package dev.weft.cni;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The plugin's own codec for the two messages of {@code weft_cni.proto}, byte-for-byte what the generated
 * classes write and read (tests cross-check both ways). The plugin uses this instead of the protobuf
 * runtime: initialising that runtime (Unsafe probing, schema reflection) and loading its classes was a
 * large part of every plugin start. The agent keeps using the generated classes.
 *
 * <p>Layout (field number, wire type): CniRequest: 1 protocol_version varint; 2 command, 3 container_id,
 * 4 netns, 5 if_name, 6 args, 7 path: length-delimited UTF-8, written when set (also when empty);
 * 8 stdin: bytes, written when non-empty. CniResponse: 1 protocol_version varint; 2 exit_code varint
 * (int32, negative as 10 bytes); 3 stdout bytes; 4 stderr string; default values are not written.
 * Unknown fields are skipped, so newer senders (appended fields) stay readable.
 */
public final class ShimWire {

    /** A decoded CniResponse. */
    public record Response(int protocolVersion, int exitCode, byte[] stdout, String stderr) {}

    /** Malformed bytes. */
    public static final class WireException extends java.io.IOException {
        public WireException(String message) {
            super(message);
        }
    }

    private ShimWire() {}

    // ------------------------------------------------------------------ encoding

    public static byte[] encodeRequest(CniInvocation inv, int protocolVersion) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + inv.stdin().length);
        if (protocolVersion != 0) {
            tag(out, 1, 0);
            varint(out, protocolVersion & 0xFFFFFFFFL);
        }
        string(out, 2, inv.command());
        string(out, 3, inv.containerId());
        string(out, 4, inv.netns());
        string(out, 5, inv.ifName());
        string(out, 6, inv.args());
        string(out, 7, inv.path());
        if (inv.stdin().length > 0) bytes(out, 8, inv.stdin());
        return out.toByteArray();
    }

    public static byte[] encodeResponse(int protocolVersion, int exitCode, byte[] stdout, String stderr) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + stdout.length);
        if (protocolVersion != 0) {
            tag(out, 1, 0);
            varint(out, protocolVersion & 0xFFFFFFFFL);
        }
        if (exitCode != 0) {
            tag(out, 2, 0);
            varint(out, exitCode); // int32: sign-extended to 64 bits
        }
        if (stdout.length > 0) bytes(out, 3, stdout);
        if (stderr != null && !stderr.isEmpty()) string(out, 4, stderr);
        return out.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, int field, String s) {
        if (s != null) bytes(out, field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] b) {
        tag(out, field, 2);
        varint(out, b.length);
        out.write(b, 0, b.length);
    }

    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, ((long) field << 3) | wireType);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    // ------------------------------------------------------------------ decoding

    /** Decodes a CniRequest; returns the invocation and puts the protocol version in {@code version[0]}. */
    public static CniInvocation decodeRequest(byte[] b, int[] version) throws WireException {
        Reader r = new Reader(b);
        String[] s = new String[8];
        byte[] stdin = new byte[0];
        int pv = 0;
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (field == 1 && type == 0) {
                pv = (int) r.varint();
            } else if (field >= 2 && field <= 7 && type == 2) {
                s[field] = r.utf8();
            } else if (field == 8 && type == 2) {
                stdin = r.lengthDelimited();
            } else {
                r.skip(field, type);
            }
        }
        version[0] = pv;
        return new CniInvocation(s[2], s[3], s[4], s[5], s[6], s[7], stdin);
    }

    public static Response decodeResponse(byte[] b) throws WireException {
        Reader r = new Reader(b);
        int pv = 0;
        int exit = 0;
        byte[] stdout = new byte[0];
        String stderr = "";
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (field == 1 && type == 0) {
                pv = (int) r.varint();
            } else if (field == 2 && type == 0) {
                exit = (int) r.varint();
            } else if (field == 3 && type == 2) {
                stdout = r.lengthDelimited();
            } else if (field == 4 && type == 2) {
                stderr = r.utf8();
            } else {
                r.skip(field, type);
            }
        }
        return new Response(pv, exit, stdout, stderr);
    }

    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        boolean more() {
            return pos < b.length;
        }

        long varint() throws WireException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= b.length) throw new WireException("truncated varint at offset " + pos);
                int x = b[pos++] & 0xFF;
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new WireException("varint longer than 10 bytes at offset " + pos);
        }

        byte[] lengthDelimited() throws WireException {
            long len = varint();
            if (len < 0 || len > b.length - pos) {
                throw new WireException("field length " + len + " runs past the end of the message at offset " + pos);
            }
            byte[] out = new byte[(int) len];
            System.arraycopy(b, pos, out, 0, (int) len);
            pos += (int) len;
            return out;
        }

        String utf8() throws WireException {
            byte[] raw = lengthDelimited();
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new WireException("string field is not valid UTF-8");
            }
        }

        void skip(int field, int type) throws WireException {
            if (field == 0) throw new WireException("field number 0 at offset " + pos);
            switch (type) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> lengthDelimited();
                case 5 -> advance(4);
                default -> throw new WireException("unsupported wire type " + type + " for field " + field);
            }
        }

        private void advance(int n) throws WireException {
            if (n > b.length - pos) throw new WireException("truncated fixed-width field at offset " + pos);
            pos += n;
        }
    }
}
