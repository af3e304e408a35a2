package dev.weft.agent.sim;

/**
 * Cumulative counters of one agent (or their sum over a cluster); the difference of two samples is a window.
 * Bytes are what the simulated network counts on the wire (protobuf size + envelope; TCP frames with their length
 * prefix). Nothing here is estimated: every field is counted where the event happens.
 *
 * @param udpBytes datagrams sent (probes, acks, piggybacked membership/record updates and ring deltas)
 * @param streamBytes TCP frames sent, requests and replies (push-pull, channel pushes, point-to-point messages)
 * @param ringStatesSent full ring states put on the wire (in push-pull packets and channel pushes, both directions)
 * @param ringStateBytes the encoded ring bytes inside those states
 * @param ringDeltasSent ring deltas put on the wire (each piggybacked or streamed copy, relays included)
 * @param ringDeltaBytes the encoded delta bytes inside them
 * @param saves IPAM store saves; the file store does 2 fsyncs per save (temp file, then the directory)
 * @param savedBytes encoded state bytes written by those saves
 * @param recordPublishes node records published (each bumps the incarnation and is gossiped to every member)
 * @param ringMergesChanged ring merges (full states and deltas) that changed local state
 * @param podOps CNI ADD/DEL answered with an address (and host route) or a release
 * @param podOpsFailed CNI ADD refused (no space yet, not ready, busy)
 */
record TrafficSample(
        long udpBytes,
        long streamBytes,
        long ringStatesSent,
        long ringStateBytes,
        long ringDeltasSent,
        long ringDeltaBytes,
        long saves,
        long savedBytes,
        long recordPublishes,
        long ringMergesChanged,
        long podOps,
        long podOpsFailed) {

    static final TrafficSample ZERO = new TrafficSample(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** fsyncs the file store would have done for {@link #saves()} (file + directory per save). */
    long fsyncs() {
        return 2 * saves;
    }

    long totalBytes() {
        return udpBytes + streamBytes;
    }

    TrafficSample plus(TrafficSample o) {
        return new TrafficSample(
                udpBytes + o.udpBytes,
                streamBytes + o.streamBytes,
                ringStatesSent + o.ringStatesSent,
                ringStateBytes + o.ringStateBytes,
                ringDeltasSent + o.ringDeltasSent,
                ringDeltaBytes + o.ringDeltaBytes,
                saves + o.saves,
                savedBytes + o.savedBytes,
                recordPublishes + o.recordPublishes,
                ringMergesChanged + o.ringMergesChanged,
                podOps + o.podOps,
                podOpsFailed + o.podOpsFailed);
    }

    TrafficSample minus(TrafficSample o) {
        return new TrafficSample(
                udpBytes - o.udpBytes,
                streamBytes - o.streamBytes,
                ringStatesSent - o.ringStatesSent,
                ringStateBytes - o.ringStateBytes,
                ringDeltasSent - o.ringDeltasSent,
                ringDeltaBytes - o.ringDeltaBytes,
                saves - o.saves,
                savedBytes - o.savedBytes,
                recordPublishes - o.recordPublishes,
                ringMergesChanged - o.ringMergesChanged,
                podOps - o.podOps,
                podOpsFailed - o.podOpsFailed);
    }
}
