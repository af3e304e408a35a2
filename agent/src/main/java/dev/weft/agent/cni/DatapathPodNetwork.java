package dev.weft.agent.cni;

import dev.weft.datapath.pod.PodLinks;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.datapath.pod.PodPlumbingException;
import dev.weft.datapath.pod.PodSpec;
import java.nio.file.Path;

/** {@link PodNetwork} over the datapath's {@link PodPlumber} (netlink, FFM). */
public final class DatapathPodNetwork implements PodNetwork {

    private final PodPlumber plumber;

    public DatapathPodNetwork(PodPlumber plumber) {
        this.plumber = plumber;
    }

    @Override
    public Attached attach(Attach r) throws PodNetworkException {
        try {
            PodLinks l = plumber.attach(spec(r));
            return new Attached(
                    l.hostIfName(),
                    l.hostMac().toString(),
                    l.podIfName(),
                    l.podMac().toString(),
                    l.mtu());
        } catch (PodPlumbingException e) {
            throw translate(e);
        }
    }

    @Override
    public void detach(String containerId, String netns, String ifName) throws PodNetworkException {
        try {
            plumber.detach(containerId, ifName);
        } catch (PodPlumbingException e) {
            throw translate(e);
        }
    }

    @Override
    public void check(Attach r) throws PodNetworkException {
        try {
            plumber.check(spec(r));
        } catch (PodPlumbingException e) {
            throw translate(e);
        }
    }

    @Override
    public String hostIfName(String containerId, String ifName) {
        return PodPlumber.hostIfName(containerId, ifName);
    }

    private static PodSpec spec(Attach r) {
        return new PodSpec(r.containerId(), Path.of(r.netns()), r.ifName(), r.address(), r.addressV6(), r.mtu());
    }

    private static PodNetworkException translate(PodPlumbingException e) {
        PodNetworkException.Kind k = switch (e.kind()) {
            case INTERFACE_EXISTS -> PodNetworkException.Kind.INTERFACE_EXISTS;
            case NETNS_NOT_FOUND -> PodNetworkException.Kind.NETNS_NOT_FOUND;
            case MISMATCH -> PodNetworkException.Kind.MISMATCH;
            case KERNEL -> PodNetworkException.Kind.KERNEL;
        };
        return new PodNetworkException(k, e.getMessage(), e);
    }
}
