package dev.weft.agent.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.agent.proto.NodeRecord;
import dev.weft.id.PeerId;
import java.net.InetAddress;
import java.util.Optional;

/** Decoding and validation of the node records peers gossip; a bad record is refused with the reason. */
public final class NodeRecords {
    /** Largest record accepted (a record carries a handful of addresses and a key). */
    public static final int MAX_BYTES = 2048;

    private NodeRecords() {}

    /** A record that passed validation, with its parsed addresses. */
    public record Valid(NodeRecord record, InetAddress underlay, Optional<InetAddress> vtepAddress) {
        /** The IPv6 gateway/VTEP address of a dual-stack peer (checked to be an IPv6 literal by {@link #decode}). */
        public Optional<InetAddress> vtepAddressV6() {
            return literal(record.getVtepAddressV6()).filter(a -> a instanceof java.net.Inet6Address);
        }
    }

    public static final class Invalid extends Exception {
        Invalid(String m) {
            super(m);
        }
    }

    public static Valid decode(PeerId memberId, byte[] bytes) throws Invalid {
        if (bytes.length > MAX_BYTES)
            throw new Invalid("node record of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        NodeRecord r;
        try {
            r = NodeRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new Invalid("node record is not a valid protobuf: " + e.getMessage());
        }
        if (!PeerId.isCanonical(r.getPeerId()))
            throw new Invalid("node record has a bad peer id '" + r.getPeerId() + "'");
        if (!r.getPeerId().equals(memberId.toString())) {
            throw new Invalid("node record names peer " + r.getPeerId() + " but was published by member " + memberId);
        }
        if (r.getUnderlayAddressesCount() == 0)
            throw new Invalid("node record of " + memberId + " has no underlay address");
        InetAddress underlay = literal(r.getUnderlayAddresses(0))
                .orElseThrow(() -> new Invalid("node record of " + memberId + " has a bad underlay address '"
                        + r.getUnderlayAddresses(0) + "'"));
        Optional<InetAddress> vtep = Optional.empty();
        if (!r.getVtepAddress().isEmpty()) {
            vtep = literal(r.getVtepAddress());
            if (vtep.isEmpty())
                throw new Invalid(
                        "node record of " + memberId + " has a bad VTEP address '" + r.getVtepAddress() + "'");
        }
        if (!r.getVtepAddressV6().isEmpty()
                && !(literal(r.getVtepAddressV6()).orElse(null) instanceof java.net.Inet6Address)) {
            throw new Invalid(
                    "node record of " + memberId + " has a bad IPv6 VTEP address '" + r.getVtepAddressV6() + "'");
        }
        if (!r.getVtepMac().isEmpty() && r.getVtepMac().size() != 6) {
            throw new Invalid("node record of " + memberId + " has a VTEP MAC of "
                    + r.getVtepMac().size() + " bytes");
        }
        return new Valid(r, underlay, vtep);
    }

    /** Parses an IP literal only (never a DNS lookup). */
    static Optional<InetAddress> literal(String s) {
        if (s == null || s.isEmpty() || !(s.matches("[0-9.]+") || s.contains(":") && s.matches("[0-9a-fA-F:.]+")))
            return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName(s));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }
}
