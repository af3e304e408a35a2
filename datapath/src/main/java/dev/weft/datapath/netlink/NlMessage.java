package dev.weft.datapath.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: header fields and the payload after the 16-byte header
 * (a slice in host byte order, position 0).
 */
public record NlMessage(int type, int flags, int seq, int portId, ByteBuffer payload) {

    /** Splits a received datagram into its messages. */
    public static List<NlMessage> split(ByteBuffer datagram) {
        ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
        int pos = b.position();
        int end = b.limit();
        List<NlMessage> out = new ArrayList<>();
        while (pos + Rtnl.NLMSG_HDRLEN <= end) {
            int len = b.getInt(pos);
            if (len < Rtnl.NLMSG_HDRLEN || pos + len > end) {
                throw new NetlinkDecodeException("nlmsghdr with bad length " + len + " at offset " + pos + " of a "
                        + (end - b.position()) + "-byte datagram");
            }
            int type = Short.toUnsignedInt(b.getShort(pos + 4));
            int flags = Short.toUnsignedInt(b.getShort(pos + 6));
            int seq = b.getInt(pos + 8);
            int pid = b.getInt(pos + 12);
            ByteBuffer payload =
                    b.slice(pos + Rtnl.NLMSG_HDRLEN, len - Rtnl.NLMSG_HDRLEN).order(ByteOrder.nativeOrder());
            out.add(new NlMessage(type, flags, seq, pid, payload));
            pos += Rtnl.align(len);
        }
        return out;
    }

    /** Errno (positive, 0 for an ACK) and the kernel's extended-ack text of an NLMSG_ERROR. */
    public record ErrorInfo(int errno, String kernelMessage) {}

    public ErrorInfo error() {
        if (type != Rtnl.NLMSG_ERROR || payload.limit() < 4) {
            throw new NetlinkDecodeException("not an NLMSG_ERROR message: type " + type + " len " + payload.limit());
        }
        int errno = -payload.getInt(0);
        String msg = null;
        if ((flags & Rtnl.NLM_F_ACK_TLVS) != 0) {
            int origLen = Rtnl.NLMSG_HDRLEN;
            if ((flags & Rtnl.NLM_F_CAPPED) == 0 && payload.limit() >= 8) {
                origLen = payload.getInt(4);
            }
            int from = 4 + Rtnl.align(origLen);
            if (from <= payload.limit()) {
                msg = NlAttributes.parse(payload, from, payload.limit()).string(Rtnl.NLMSGERR_ATTR_MSG);
            }
        }
        return new ErrorInfo(errno, msg);
    }
}
