package dev.weft.e2e.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A minimal streaming tar reader: ustar (with prefix), PAX extended headers ({@code path},
 * {@code linkpath}, {@code size}) and GNU long names ({@code L}, {@code K}) — what GNU tar,
 * mmdebstrap and docker-archives write. The JDK has no tar reader, and this avoids a dependency for
 * one test.
 */
final class Tar {

    enum Type {
        FILE,
        DIR,
        SYMLINK,
        HARDLINK,
        OTHER
    }

    /** One member; {@code path} is absolute and normalised ("./a/b/" becomes "/a/b"). */
    record Header(String path, Type type, int mode, String link, long size) {}

    interface Visitor {
        /** Called per member; {@code data} yields exactly {@code size} bytes and may be left unread. */
        void member(Header h, InputStream data) throws IOException;
    }

    private Tar() {}

    static void read(InputStream in, Visitor visitor) throws IOException {
        byte[] block = new byte[512];
        Map<String, String> pax = new HashMap<>();
        String longName = null;
        String longLink = null;
        while (true) {
            if (!readFully(in, block)) {
                return; // end of stream without the two zero blocks: accepted
            }
            if (allZero(block)) {
                return;
            }
            String name = str(block, 0, 100);
            int mode = (int) octal(block, 100, 8);
            long size = number(block, 124, 12);
            char flag = (char) block[156];
            String link = str(block, 157, 100);
            if (str(block, 257, 5).equals("ustar")) {
                String prefix = str(block, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            switch (flag) {
                case 'x', 'g', 'L', 'K' -> {
                    byte[] data = new byte[Math.toIntExact(size)];
                    if (!readFully(in, data)) {
                        throw new EOFException("truncated tar header data");
                    }
                    skip(in, pad(size));
                    if (flag == 'x') {
                        pax.putAll(parsePax(data));
                    } else if (flag == 'L') {
                        longName = cString(data);
                    } else if (flag == 'K') {
                        longLink = cString(data);
                    }
                    continue;
                }
                default -> {}
            }
            if (longName != null) {
                name = longName;
            }
            if (longLink != null) {
                link = longLink;
            }
            name = pax.getOrDefault("path", name);
            link = pax.getOrDefault("linkpath", link);
            if (pax.containsKey("size")) {
                size = Long.parseLong(pax.get("size"));
            }
            pax.clear();
            longName = null;
            longLink = null;
            Type type = switch (flag) {
                case '0', '\0', '7' -> Type.FILE;
                case '5' -> Type.DIR;
                case '2' -> Type.SYMLINK;
                case '1' -> Type.HARDLINK;
                default -> Type.OTHER;
            };
            long bodySize = (type == Type.FILE || type == Type.OTHER) ? size : 0;
            Bounded body = new Bounded(in, bodySize);
            visitor.member(
                    new Header(normalise(name), type, mode, type == Type.HARDLINK ? normalise(link) : link, bodySize),
                    body);
            skip(in, body.remaining + pad(bodySize));
        }
    }

    static String normalise(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.equals(".")) {
            n = "";
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.startsWith("/") ? n : "/" + n;
    }

    private static Map<String, String> parsePax(byte[] data) {
        Map<String, String> m = new HashMap<>();
        int i = 0;
        while (i < data.length) {
            int sp = i;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
            String rec = new String(data, sp + 1, len - (sp - i) - 2, StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            m.put(rec.substring(0, eq), rec.substring(eq + 1));
            i += len;
        }
        return m;
    }

    private static long pad(long size) {
        return (512 - size % 512) % 512;
    }

    private static boolean readFully(InputStream in, byte[] b) throws IOException {
        int n = in.readNBytes(b, 0, b.length);
        if (n == 0) {
            return false;
        }
        if (n < b.length) {
            throw new EOFException("truncated tar");
        }
        return true;
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String str(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static String cString(byte[] b) {
        return str(b, 0, b.length);
    }

    private static long octal(byte[] b, int off, int len) {
        String s = str(b, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    private static long number(byte[] b, int off, int len) {
        if ((b[off] & 0x80) != 0) { // GNU base-256 for sizes >= 8 GiB
            long v = b[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (b[off + i] & 0xff);
            }
            return v;
        }
        return octal(b, off, len);
    }

    /** The body of one member: reads stop at its end; what is left unread is skipped by the reader. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long remaining;

        Bounded(InputStream in, long size) {
            this.in = in;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                remaining--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // the outer stream stays open
        }
    }
}
