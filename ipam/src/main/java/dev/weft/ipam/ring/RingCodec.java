package dev.weft.ipam.ring;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.InvalidAddressException;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.proto.RingEntryMsg;
import dev.weft.ipam.proto.RingMsg;
import dev.weft.ipam.proto.TombstoneMsg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ring <-> bytes ({@code RingMsg} of {@code weft/ipam/v1/ipam.proto}). Decoding checks the format
 * version, the size limits and every ring invariant; anything wrong is a {@link
 * RingDecodeException} or {@link RingInvariantException}, never a partially applied ring.
 */
public final class RingCodec {
  public static final int FORMAT_MIN = 1;
  public static final int FORMAT_MAX = 1;
  /** Largest encoded ring accepted (a /12 split into 64-address blocks is ~16k entries, ~0.5 MiB). */
  public static final int MAX_BYTES = 8 << 20;
  public static final int MAX_ENTRIES = 1 << 20;
  public static final int MAX_TOMBSTONES = 1 << 17;

  private RingCodec() {}

  public static byte[] encode(Ring ring) {
    return toMessage(ring).toByteArray();
  }

  public static RingMsg toMessage(Ring ring) {
    RingMsg.Builder b =
        RingMsg.newBuilder()
            .setFormatVersion(FORMAT_MAX)
            .setRangeNetwork(ByteString.copyFrom(ring.config().range().network().bytes()))
            .setRangePrefix(ring.config().range().prefixLength())
            .setMinBlock(ring.config().minBlock())
            .setGenesis(ring.genesis().id());
    for (RingEntry e : ring.entries()) {
      b.addEntries(
          RingEntryMsg.newBuilder()
              .setToken(ByteString.copyFrom(e.token().bytes()))
              .setOwner(e.owner())
              .setVersion(e.version())
              .setFree(e.free()));
    }
    for (Map.Entry<Long, Long> t : ring.tombstones().entrySet()) {
      b.addTombstones(
          TombstoneMsg.newBuilder().setRemovedPeer(t.getKey()).setReclaimedBy(t.getValue()));
    }
    return b.build();
  }

  public static Ring decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new RingDecodeException("empty ring message");
    }
    if (bytes.length > MAX_BYTES) {
      throw new RingDecodeException(
          "ring message of " + bytes.length + " bytes exceeds the limit of " + MAX_BYTES);
    }
    try {
      return fromMessage(RingMsg.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new RingDecodeException("malformed ring message: " + e.getMessage());
    }
  }

  public static Ring fromMessage(RingMsg m) {
    if (m.getFormatVersion() < FORMAT_MIN || m.getFormatVersion() > FORMAT_MAX) {
      throw new RingDecodeException(
          "ring format version " + m.getFormatVersion() + " not in supported range "
              + FORMAT_MIN + ".." + FORMAT_MAX + " (upgrade the older agents)");
    }
    if (m.getEntriesCount() > MAX_ENTRIES || m.getTombstonesCount() > MAX_TOMBSTONES) {
      throw new RingDecodeException(
          "ring message too large: " + m.getEntriesCount() + " entries, "
              + m.getTombstonesCount() + " tombstones");
    }
    RingConfig config;
    RingGenesis genesis;
    try {
      IpAddress net = IpAddress.ofBytes(m.getRangeNetwork().toByteArray());
      config = new RingConfig(Cidr.of(net, m.getRangePrefix()), m.getMinBlock());
      genesis = new RingGenesis(m.getGenesis());
    } catch (IllegalArgumentException e) {
      throw new RingDecodeException("bad ring header: " + e.getMessage());
    }
    List<RingEntry> entries = new ArrayList<>(m.getEntriesCount());
    for (RingEntryMsg e : m.getEntriesList()) {
      try {
        IpAddress token = IpAddress.ofBytes(e.getToken().toByteArray());
        if (!token.sameFamily(config.range().network())) {
          throw new RingDecodeException("token " + token + " is not in the family of " + config.range());
        }
        entries.add(new RingEntry(token, e.getOwner(), e.getVersion(), e.getFree()));
      } catch (InvalidAddressException ex) {
        throw new RingDecodeException("bad ring token: " + ex.getMessage());
      } catch (IllegalArgumentException ex) {
        throw new RingDecodeException("bad ring entry: " + ex.getMessage());
      }
    }
    Map<Long, Long> tombs = new TreeMap<>();
    for (TombstoneMsg t : m.getTombstonesList()) {
      Long prev = tombs.put(t.getRemovedPeer(), t.getReclaimedBy());
      if (prev != null && prev != t.getReclaimedBy()) {
        throw new RingDecodeException("duplicate tombstone for peer " + PeerIds.format(t.getRemovedPeer()));
      }
    }
    return Ring.of(config, genesis, entries, tombs);
  }
}
