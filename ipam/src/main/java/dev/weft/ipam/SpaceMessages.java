package dev.weft.ipam;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.AddressRangeMsg;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingDecodeException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes <-> space request/grant messages ({@code weft/ipam/v1/ipam.proto}), with format-version
 * and size checks. The agent carries these bytes between peers (over gossip); IPAM never sends.
 */
public final class SpaceMessages {
    public static final int FORMAT_VERSION = 1;
    public static final int MAX_REQUEST_BYTES = 4096;
    public static final int MAX_GRANT_BYTES = RingCodec.MAX_BYTES + 65536;
    public static final int MAX_GRANTED_RANGES = 64;

    private SpaceMessages() {}

    public static byte[] encode(SpaceRequest r) {
        return r.toByteArray();
    }

    public static byte[] encode(SpaceGrant g) {
        return g.toByteArray();
    }

    /** @throws RingDecodeException on malformed, oversized or unknown-version input */
    public static SpaceRequest decodeRequest(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_REQUEST_BYTES) {
            throw new RingDecodeException("space request missing or larger than " + MAX_REQUEST_BYTES + " bytes");
        }
        try {
            SpaceRequest r = SpaceRequest.parseFrom(bytes);
            if (r.getFormatVersion() != FORMAT_VERSION) {
                throw new RingDecodeException("space request format version " + r.getFormatVersion() + " unsupported");
            }
            if (r.getRequester() == 0 || r.getDonor() == 0) {
                throw new RingDecodeException("space request names peer id 0");
            }
            return r;
        } catch (InvalidProtocolBufferException e) {
            throw new RingDecodeException("malformed space request: " + e.getMessage());
        }
    }

    /** @throws RingDecodeException on malformed, oversized or unknown-version input */
    public static SpaceGrant decodeGrant(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_GRANT_BYTES) {
            throw new RingDecodeException("space grant missing or larger than " + MAX_GRANT_BYTES + " bytes");
        }
        try {
            SpaceGrant g = SpaceGrant.parseFrom(bytes);
            if (g.getFormatVersion() != FORMAT_VERSION) {
                throw new RingDecodeException("space grant format version " + g.getFormatVersion() + " unsupported");
            }
            if (g.getRequester() == 0 || g.getDonor() == 0) {
                throw new RingDecodeException("space grant names peer id 0");
            }
            if (g.getGrantedCount() > MAX_GRANTED_RANGES) {
                throw new RingDecodeException("space grant lists " + g.getGrantedCount() + " ranges");
            }
            return g;
        } catch (InvalidProtocolBufferException e) {
            throw new RingDecodeException("malformed space grant: " + e.getMessage());
        }
    }

    /** The peer a request asks (where the agent sends it). @throws IllegalArgumentException if 0 */
    public static PeerId donor(SpaceRequest r) {
        return PeerId.of(r.getDonor());
    }

    /** The peer that asked. @throws IllegalArgumentException if 0 */
    public static PeerId requester(SpaceRequest r) {
        return PeerId.of(r.getRequester());
    }

    /** The peer that answered. @throws IllegalArgumentException if 0 */
    public static PeerId donor(SpaceGrant g) {
        return PeerId.of(g.getDonor());
    }

    /** The peer the answer is for (where the agent sends it). @throws IllegalArgumentException if 0 */
    public static PeerId requester(SpaceGrant g) {
        return PeerId.of(g.getRequester());
    }

    /** 16 hex digits of a peer id from a message, tolerating 0 (not validated yet). */
    static String hex(long peer) {
        return peer == 0 ? "0000000000000000" : PeerId.of(peer).toString();
    }

    static AddressRangeMsg toMsg(IpRange r) {
        return AddressRangeMsg.newBuilder()
                .setStart(com.google.protobuf.ByteString.copyFrom(r.start().bytes()))
                .setSize(r.sizeLong())
                .build();
    }

    /** The granted ranges of a grant. @throws RingDecodeException if one is invalid */
    public static List<IpRange> grantedRanges(SpaceGrant g) {
        List<IpRange> out = new ArrayList<>();
        for (AddressRangeMsg m : g.getGrantedList()) {
            try {
                IpAddress start = IpAddress.ofBytes(m.getStart().toByteArray());
                out.add(IpRange.ofSize(start, new BigInteger(Long.toUnsignedString(m.getSize()))));
            } catch (IllegalArgumentException e) {
                throw new RingDecodeException("bad granted range: " + e.getMessage());
            }
        }
        return out;
    }
}
