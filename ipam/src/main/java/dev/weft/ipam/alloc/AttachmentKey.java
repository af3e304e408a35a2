package dev.weft.ipam.alloc;

/**
 * What an address is allocated to: a container's interface (CNI {@code CNI_CONTAINERID}, {@code
 * CNI_IFNAME}).
 */
public record AttachmentKey(String containerId, String ifName) implements Comparable<AttachmentKey> {
    public static final int MAX_CONTAINER_ID = 1024;
    /** Linux IFNAMSIZ - 1. */
    public static final int MAX_IF_NAME = 15;

    public AttachmentKey {
        if (containerId == null
                || containerId.isEmpty()
                || containerId.length() > MAX_CONTAINER_ID
                || containerId.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("container id must be 1.." + MAX_CONTAINER_ID
                    + " printable characters, got '" + abbreviate(containerId) + "'");
        }
        if (ifName == null
                || ifName.isEmpty()
                || ifName.length() > MAX_IF_NAME
                || ifName.chars().anyMatch(c -> c <= 0x20 || c == '/' || c == 0x7f)) {
            throw new IllegalArgumentException("interface name must be 1.." + MAX_IF_NAME
                    + " characters without '/' or spaces, got '" + abbreviate(ifName) + "'");
        }
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public int compareTo(AttachmentKey o) {
        int c = containerId.compareTo(o.containerId);
        return c != 0 ? c : ifName.compareTo(o.ifName);
    }

    @Override
    public String toString() {
        return containerId + "/" + ifName;
    }
}
