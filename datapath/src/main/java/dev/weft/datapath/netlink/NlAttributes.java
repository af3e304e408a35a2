package dev.weft.datapath.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code rtattr}s of one message or nested attribute, indexed by type (nested/byte-order bits
 * stripped). Values are slices of the original buffer. Malformed lengths raise
 * {@link NetlinkDecodeException}.
 */
public final class NlAttributes {
    private final Map<Integer, ByteBuffer> byType = new HashMap<>();

    private NlAttributes() {}

    /** Parses attributes in {@code buf[from, to)}. */
    public static NlAttributes parse(ByteBuffer buf, int from, int to) {
        NlAttributes a = new NlAttributes();
        int pos = from;
        while (pos + 4 <= to) {
            int len = Short.toUnsignedInt(buf.getShort(pos));
            int type = Short.toUnsignedInt(buf.getShort(pos + 2)) & Rtnl.NLA_TYPE_MASK;
            if (len < 4 || pos + len > to) {
                throw new NetlinkDecodeException("attribute type " + type + " has bad length " + len + " at " + pos);
            }
            a.byType.put(type, buf.slice(pos + 4, len - 4).order(ByteOrder.nativeOrder()));
            pos += Rtnl.align(len);
        }
        return a;
    }

    public static NlAttributes parse(ByteBuffer payload) {
        return parse(payload, 0, payload.limit());
    }

    public boolean has(int type) {
        return byType.containsKey(type);
    }

    public ByteBuffer get(int type) {
        ByteBuffer b = byType.get(type);
        return b == null ? null : b.duplicate().order(ByteOrder.nativeOrder());
    }

    public byte[] bytes(int type) {
        ByteBuffer b = byType.get(type);
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    public NlAttributes nested(int type) {
        ByteBuffer b = byType.get(type);
        return b == null ? null : parse(b.duplicate().order(ByteOrder.nativeOrder()));
    }

    public String string(int type) {
        byte[] b = bytes(type);
        if (b == null) {
            return null;
        }
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    public int u8(int type, int dflt) {
        ByteBuffer b = byType.get(type);
        return b == null || b.remaining() < 1 ? dflt : Byte.toUnsignedInt(b.get(0));
    }

    public int u16be(int type, int dflt) {
        ByteBuffer b = byType.get(type);
        return b == null || b.remaining() < 2 ? dflt : ((b.get(0) & 0xff) << 8) | (b.get(1) & 0xff);
    }

    public int u32(int type, int dflt) {
        ByteBuffer b = byType.get(type);
        return b == null || b.remaining() < 4 ? dflt : b.getInt(0);
    }

    /** An IPv4 or IPv6 address attribute, or null when absent or of another length. */
    public InetAddress inet(int type) {
        byte[] b = bytes(type);
        if (b == null || (b.length != 4 && b.length != 16)) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public MacAddress mac(int type) {
        byte[] b = bytes(type);
        return b == null || b.length != 6 ? null : MacAddress.of(b);
    }
}
