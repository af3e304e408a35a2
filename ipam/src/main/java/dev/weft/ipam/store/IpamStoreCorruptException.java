package dev.weft.ipam.store;

import java.io.IOException;

/** The stored IPAM state exists but cannot be read. Never silently reset: that duplicates addresses. */
public final class IpamStoreCorruptException extends IOException {
    public IpamStoreCorruptException(String where, String reason) {
        super("IPAM state " + where + " is unreadable: " + reason
                + ". The agent will not start from empty state because that could give a pod an address"
                + " another pod already has. Restore the file from a backup, or, if no pod on this node"
                + " still uses a cluster address, move it aside and remove this peer with 'weft rmpeer'"
                + " from another node before restarting.");
    }
}
