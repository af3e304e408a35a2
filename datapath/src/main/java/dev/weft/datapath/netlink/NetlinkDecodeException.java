package dev.weft.datapath.netlink;

/** Bytes that do not form a valid netlink message (truncated, bad lengths). */
public class NetlinkDecodeException extends RuntimeException {
    public NetlinkDecodeException(String message) {
        super(message);
    }
}
