package dev.weft.datapath.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink message: the 16-byte {@code nlmsghdr}, a fixed family header written with
 * the {@code u8/u16/u32} methods, then {@code rtattr}s (u16 len, u16 type, payload padded to 4).
 * Nested attributes: {@link #beginNested} / {@link #endNested}. Host byte order except where a
 * method says "be". Pure: no I/O.
 */
public final class NlMessageWriter {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
    private final int type;
    private final int flags;

    public NlMessageWriter(int type, int flags) {
        this.type = type;
        this.flags = flags;
        buf.position(Rtnl.NLMSG_HDRLEN);
    }

    private void ensure(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                    .order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    public NlMessageWriter u8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    public NlMessageWriter u16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    public NlMessageWriter u32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    private void pad() {
        int p = Rtnl.align(buf.position()) - buf.position();
        ensure(p);
        for (int i = 0; i < p; i++) {
            buf.put((byte) 0);
        }
    }

    public NlMessageWriter attr(int attrType, byte[] payload) {
        ensure(4 + payload.length + 3);
        buf.putShort((short) (4 + payload.length));
        buf.putShort((short) attrType);
        buf.put(payload);
        pad();
        return this;
    }

    public NlMessageWriter attrU8(int attrType, int v) {
        return attr(attrType, new byte[] {(byte) v});
    }

    public NlMessageWriter attrU16(int attrType, int v) {
        return attr(
                attrType,
                ByteBuffer.allocate(2)
                        .order(ByteOrder.nativeOrder())
                        .putShort((short) v)
                        .array());
    }

    public NlMessageWriter attrU16be(int attrType, int v) {
        return attr(attrType, new byte[] {(byte) (v >>> 8), (byte) v});
    }

    public NlMessageWriter attrU32(int attrType, int v) {
        return attr(
                attrType,
                ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
    }

    /** A NUL-terminated string attribute. */
    public NlMessageWriter attrString(int attrType, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return attr(attrType, Arrays.copyOf(b, b.length + 1));
    }

    /** Starts a nested attribute; returns its position for {@link #endNested}. */
    public int beginNested(int attrType) {
        pad();
        ensure(4);
        int pos = buf.position();
        buf.putShort((short) 0);
        buf.putShort((short) attrType);
        return pos;
    }

    public NlMessageWriter endNested(int pos) {
        buf.putShort(pos, (short) (buf.position() - pos));
        pad();
        return this;
    }

    /** Finishes the message with the given sequence number and port id. */
    public byte[] finish(int seq, int portId) {
        int len = buf.position();
        buf.putInt(0, len);
        buf.putShort(4, (short) type);
        buf.putShort(6, (short) flags);
        buf.putInt(8, seq);
        buf.putInt(12, portId);
        return Arrays.copyOf(buf.array(), len);
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }
}
