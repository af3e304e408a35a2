package dev.weft.ipam.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.AllocationMsg;
import dev.weft.ipam.proto.IpamStateMsg;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingConfig;
import dev.weft.ipam.ring.RingException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The persisted-state file format.
 *
 * <pre>
 * offset  size  field
 * 0       8     magic "WEFTIPAM"
 * 8       4     payload length N (big endian)
 * 12      4     CRC32C of the payload (big endian)
 * 16      N     payload: IpamStateMsg (weft/ipam/v1/ipam.proto), format_version 1
 * </pre>
 *
 * A wrong magic, length, checksum, format version or any invalid content is an {@link
 * IpamStoreCorruptException}.
 */
public final class StateCodec {
    static final byte[] MAGIC = "WEFTIPAM".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 16;
    public static final int FORMAT_VERSION = 1;
    public static final int MAX_PAYLOAD = 64 << 20;

    private StateCodec() {}

    public static byte[] encode(PersistedState s) {
        IpamStateMsg.Builder b = IpamStateMsg.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setSelf(s.self())
                .setNickname(s.nickname())
                .setRangeNetwork(
                        ByteString.copyFrom(s.config().range().network().bytes()))
                .setRangePrefix(s.config().range().prefixLength())
                .setMinBlock(s.config().minBlock())
                .setNextRequestId(s.nextRequestId());
        s.ring().ifPresent(r -> b.setRing(RingCodec.toMessage(r)));
        s.gateway().ifPresent(g -> b.setGateway(ByteString.copyFrom(g.bytes())));
        for (Map.Entry<AttachmentKey, IpAddress> e : s.allocations().entrySet()) {
            b.addAllocations(AllocationMsg.newBuilder()
                    .setContainerId(e.getKey().containerId())
                    .setIfName(e.getKey().ifName())
                    .setAddress(ByteString.copyFrom(e.getValue().bytes())));
        }
        byte[] payload = b.build().toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer out = ByteBuffer.allocate(HEADER + payload.length);
        out.put(MAGIC).putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        return out.array();
    }

    /** @param where names the source in error messages (e.g. the file path) */
    public static PersistedState decode(byte[] bytes, String where) throws IpamStoreCorruptException {
        if (bytes.length < HEADER) {
            throw new IpamStoreCorruptException(
                    where, "file is " + bytes.length + " bytes, shorter than its header (truncated write?)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[8];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IpamStoreCorruptException(where, "not a Weft IPAM state file (bad magic)");
        }
        int len = in.getInt();
        int crcStored = in.getInt();
        if (len < 0 || len > MAX_PAYLOAD || len != bytes.length - HEADER) {
            throw new IpamStoreCorruptException(
                    where, "payload length " + len + " does not match the file size " + bytes.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, HEADER, len);
        if ((int) crc.getValue() != crcStored) {
            throw new IpamStoreCorruptException(where, "checksum mismatch (the file was damaged)");
        }
        IpamStateMsg m;
        try {
            m = IpamStateMsg.parseFrom(ByteBuffer.wrap(bytes, HEADER, len));
        } catch (InvalidProtocolBufferException e) {
            throw new IpamStoreCorruptException(where, "malformed payload: " + e.getMessage());
        }
        if (m.getFormatVersion() != FORMAT_VERSION) {
            throw new IpamStoreCorruptException(
                    where,
                    "format version " + m.getFormatVersion() + " is not " + FORMAT_VERSION
                            + " (written by a newer agent? downgrades are not supported)");
        }
        try {
            RingConfig config = new RingConfig(
                    Cidr.of(IpAddress.ofBytes(m.getRangeNetwork().toByteArray()), m.getRangePrefix()), m.getMinBlock());
            Optional<Ring> ring = m.hasRing() ? Optional.of(RingCodec.fromMessage(m.getRing())) : Optional.empty();
            Optional<IpAddress> gateway = m.getGateway().isEmpty()
                    ? Optional.empty()
                    : Optional.of(IpAddress.ofBytes(m.getGateway().toByteArray()));
            Map<AttachmentKey, IpAddress> allocations = new TreeMap<>();
            Set<IpAddress> seen = new HashSet<>();
            gateway.ifPresent(seen::add);
            for (AllocationMsg a : m.getAllocationsList()) {
                AttachmentKey key = new AttachmentKey(a.getContainerId(), a.getIfName());
                IpAddress addr = IpAddress.ofBytes(a.getAddress().toByteArray());
                if (!seen.add(addr) || allocations.put(key, addr) != null) {
                    throw new IpamStoreCorruptException(
                            where, "address " + addr + " or attachment " + key + " appears twice");
                }
            }
            return new PersistedState(
                    m.getSelf(), m.getNickname(), config, ring, allocations, gateway, m.getNextRequestId());
        } catch (IllegalArgumentException | RingException e) {
            throw new IpamStoreCorruptException(where, "invalid content: " + e.getMessage());
        }
    }
}
