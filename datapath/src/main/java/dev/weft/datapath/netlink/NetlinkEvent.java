package dev.weft.datapath.netlink;

/** A change notification received on a subscribed multicast group. */
public sealed interface NetlinkEvent {
    /** True for RTM_DEL*, false for RTM_NEW*. */
    boolean removed();

    record LinkEvent(boolean removed, Link link) implements NetlinkEvent {}

    record AddressEvent(boolean removed, Address address) implements NetlinkEvent {}

    record RouteEvent(boolean removed, Route route) implements NetlinkEvent {}

    record NeighbourEvent(boolean removed, Neighbour neighbour) implements NetlinkEvent {}

    /** The kernel dropped notifications (receive buffer overrun): resynchronise from dumps. */
    record Overrun() implements NetlinkEvent {
        @Override
        public boolean removed() {
            return false;
        }
    }
}
