package dev.weft.agent.core;

import com.google.protobuf.ByteString;
import dev.weft.agent.Version;
import dev.weft.agent.proto.NodeRecord;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * This node's gossiped record (DESIGN §4) and its version: a new version is published only when the content
 * changed. The free-address count rides here (not in the ring) as the lazy hint peers use to choose a donor; it is
 * republished only when it moved by at least {@link #FREE_STEP} addresses (or when nearly empty), so pod churn does
 * not republish the record for every pod.
 */
final class NodeRecordBuilder {
    /** The published free count follows the real one only when they differ by this many (below it, exactly). */
    static final long FREE_STEP = 16;

    private final LocalNode self;
    private final ControllerSettings settings;
    private byte[] last = new byte[0];
    private long version;
    private long publishedFree = -1;
    private long publishedFreeV6 = -1;

    NodeRecordBuilder(LocalNode self, ControllerSettings settings) {
        this.self = self;
        this.settings = settings;
    }

    /** The encoded record if it differs from the last one published, else empty. */
    Optional<byte[]> nextIfChanged(
            Optional<IpAddress> gateway, long localFree, List<Cidr> ownedForRecord, boolean ready) {
        return nextIfChanged(gateway, localFree, Optional.empty(), 0, ownedForRecord, ready);
    }

    /** With the IPv6 ring's gateway and free count of a dual-stack node. */
    Optional<byte[]> nextIfChanged(
            Optional<IpAddress> gateway,
            long localFree,
            Optional<IpAddress> gatewayV6,
            long localFreeV6,
            List<Cidr> ownedForRecord,
            boolean ready) {
        NodeRecord.Builder b = NodeRecord.newBuilder()
                .setPeerId(self.id().toString())
                .setNickname(self.nickname())
                .setIncarnation(self.incarnation())
                .addUnderlayAddresses(self.underlayAddress().toString())
                .setUnderlaySubnet(self.underlaySubnet().toString())
                .setVtepMac(ByteString.copyFrom(self.vtepMac().bytes()))
                .setVtepAddress(gateway.map(IpAddress::toString).orElse(""))
                .addDatapaths("vxlan")
                .setAgentVersion(Version.get())
                .setVxlanPort(settings.vxlanPort())
                .setVni(settings.vni())
                .setIpamFree(freeHint(localFree))
                .setReady(ready);
        gatewayV6.ifPresent(g -> b.setVtepAddressV6(g.toString()).setIpamFreeV6(freeHintV6(localFreeV6)));
        ownedForRecord.forEach(c -> b.addPodCidrs(c.toString()));
        if (settings.hostGw()) b.addDatapaths("host-gw");
        settings.sleevePublicKey().ifPresent(k -> b.addDatapaths("sleeve").setSleevePublicKey(ByteString.copyFrom(k)));
        byte[] withoutVersion = b.build().toByteArray();
        if (Arrays.equals(withoutVersion, last)) return Optional.empty();
        last = withoutVersion;
        version++;
        return Optional.of(b.setRecordVersion(version).build().toByteArray());
    }

    private long freeHintV6(long free) {
        if (publishedFreeV6 < 0 || Math.abs(free - publishedFreeV6) >= FREE_STEP || free < FREE_STEP)
            publishedFreeV6 = free;
        return publishedFreeV6;
    }

    private long freeHint(long free) {
        if (publishedFree < 0 || Math.abs(free - publishedFree) >= FREE_STEP || free < FREE_STEP) publishedFree = free;
        return publishedFree;
    }
}
