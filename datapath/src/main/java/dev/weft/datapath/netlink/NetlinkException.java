package dev.weft.datapath.netlink;

/**
 * A netlink request or a socket call failed. Carries the errno (positive), its symbolic name,
 * a description of the request ("RTM_NEWROUTE 198.18.1.0/26 via 198.18.0.1 dev weft.vxlan") and,
 * when the kernel sent one, its extended-ack message.
 */
public class NetlinkException extends RuntimeException {
    private final int errno;
    private final String request;
    private final String kernelMessage;

    public NetlinkException(int errno, String request, String kernelMessage) {
        super(format(errno, request, kernelMessage));
        this.errno = errno;
        this.request = request;
        this.kernelMessage = kernelMessage;
    }

    private static String format(int errno, String request, String kernelMessage) {
        String s = request + " failed: " + Errno.name(errno);
        return kernelMessage == null || kernelMessage.isEmpty() ? s : s + " (" + kernelMessage + ")";
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }

    public String request() {
        return request;
    }

    /** Extended-ack text from the kernel, or null. */
    public String kernelMessage() {
        return kernelMessage;
    }

    public boolean isExists() {
        return errno == Errno.EEXIST;
    }

    /** ENOENT, ENODEV or ESRCH: the object does not exist. */
    public boolean isNotFound() {
        return errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.ESRCH;
    }
}
