package dev.weft.datapath.netlink;

import java.nio.file.Path;

/**
 * Changes to an existing link, applied in one RTM_SETLINK. Only set fields are sent.
 * Example: {@code new LinkUpdate(idx).up(true).mtu(1450).name("eth0")}.
 */
public final class LinkUpdate {
    final int index;
    Boolean up;
    Integer mtu;
    MacAddress mac;
    Integer masterIndex;
    String name;
    Path netns;

    public LinkUpdate(int index) {
        this.index = index;
    }

    public LinkUpdate up(boolean value) {
        this.up = value;
        return this;
    }

    public LinkUpdate mtu(int value) {
        this.mtu = value;
        return this;
    }

    public LinkUpdate mac(MacAddress value) {
        this.mac = value;
        return this;
    }

    /** Enslave to the bridge with this index; 0 releases it. */
    public LinkUpdate master(int value) {
        this.masterIndex = value;
        return this;
    }

    public LinkUpdate name(String value) {
        this.name = value;
        return this;
    }

    /** Move the link into the network namespace at this path. */
    public LinkUpdate netns(Path value) {
        this.netns = value;
        return this;
    }

    public int index() {
        return index;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("link ").append(index);
        if (name != null) s.append(" name ").append(name);
        if (up != null) s.append(up ? " up" : " down");
        if (mtu != null) s.append(" mtu ").append(mtu);
        if (mac != null) s.append(" address ").append(mac);
        if (masterIndex != null) s.append(" master ").append(masterIndex);
        if (netns != null) s.append(" netns ").append(netns);
        return s.toString();
    }
}
