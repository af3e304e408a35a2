package dev.weft.gossip.swim;

/** Membership state of a member as seen locally. DEAD and LEFT members are kept as tombstones for a while. */
public enum MemberState {
    ALIVE,
    SUSPECT,
    DEAD,
    LEFT;

    public boolean isLive() {
        return this == ALIVE || this == SUSPECT;
    }
}
