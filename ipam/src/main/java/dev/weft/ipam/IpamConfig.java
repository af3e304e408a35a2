package dev.weft.ipam;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.ring.RingConfig;

/**
 * The IPAM settings of one node. Immutable and validated.
 *
 * @param ring cluster range and minimum block (default {@code 10.32.0.0/12}, 64)
 * @param lowFreeWatermark ask for space when this node has fewer free addresses (default 16)
 * @param spaceRequestRetryMillis wait at least this long before asking again (default 5000)
 * @param wantedPerRequest addresses asked for per request; 0 means "as much as the donor can spare"
 *     (at most half its free space) (default 0)
 */
public record IpamConfig(RingConfig ring, long lowFreeWatermark, long spaceRequestRetryMillis, long wantedPerRequest) {
    public IpamConfig {
        if (ring == null) {
            throw new IllegalArgumentException("ring config is required");
        }
        if (lowFreeWatermark < 0 || spaceRequestRetryMillis < 0 || wantedPerRequest < 0) {
            throw new IllegalArgumentException("IPAM thresholds must not be negative");
        }
    }

    public static IpamConfig defaults() {
        return of(RingConfig.DEFAULT_RANGE, RingConfig.DEFAULT_MIN_BLOCK);
    }

    public static IpamConfig of(Cidr range, int minBlock) {
        return new IpamConfig(new RingConfig(range, minBlock), 16, 5_000, 0);
    }

    public IpamConfig withLowFreeWatermark(long v) {
        return new IpamConfig(ring, v, spaceRequestRetryMillis, wantedPerRequest);
    }

    public IpamConfig withSpaceRequestRetryMillis(long v) {
        return new IpamConfig(ring, lowFreeWatermark, v, wantedPerRequest);
    }

    public IpamConfig withWantedPerRequest(long v) {
        return new IpamConfig(ring, lowFreeWatermark, spaceRequestRetryMillis, v);
    }
}
