package dev.weft.datapath.sleeve;

/** A TUN device operation failed; carries the call and the errno. */
public final class TunException extends RuntimeException {
    private final int errno;

    public TunException(String call, int errno) {
        super(call + " failed: " + errnoName(errno) + " (" + errno + ")" + hint(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    static String errnoName(int e) {
        return switch (e) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 9 -> "EBADF";
            case 13 -> "EACCES";
            case 16 -> "EBUSY";
            case 19 -> "ENODEV";
            case 22 -> "EINVAL";
            case 11 -> "EAGAIN";
            case 95 -> "EOPNOTSUPP";
            default -> "errno" + e;
        };
    }

    private static String hint(int e) {
        return switch (e) {
            case 1, 13 -> ": the agent needs CAP_NET_ADMIN and access to /dev/net/tun";
            case 2, 19 -> ": this kernel has no TUN support (/dev/net/tun missing); the sleeve backend cannot run";
            case 16 -> ": a device with this name exists with different flags (e.g. not multi-queue); delete it";
            default -> "";
        };
    }
}
