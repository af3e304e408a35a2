package dev.weft.gossip.swim;

import dev.weft.id.PeerId;
import java.nio.charset.StandardCharsets;

/**
 * 64-bit hash of a member id (FNV-1a over the UTF-8 of its 16-hex-digit wire form, then the SplitMix64 finaliser), stable across JVMs. The view
 * hash of a member is the XOR of this over its live members and itself, so it is order-independent and updated
 * in O(1) per membership change. Never 0 in practice; 0 on the wire means "not sent".
 */
final class ViewHash {
    private ViewHash() {}

    static long of(PeerId id) {
        return of(id.toString());
    }

    private static long of(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
