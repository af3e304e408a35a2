package dev.weft.datapath.sleeve;

/**
 * Data-plane counters of the sleeve, each with a stable metric name. Append only; never reorder.
 * Errors are counted here, never logged per packet.
 */
public enum SleeveCounter {
    TX_PACKETS("tx_packets"),
    TX_BYTES("tx_bytes"),
    TX_GSO_FRAMES("tx_gso_frames"),
    TX_NO_PEER("tx_drop_no_peer"),
    TX_NO_KEY("tx_drop_no_key"),
    TX_BACKPRESSURE("tx_drop_backpressure"),
    TX_BAD_PACKET("tx_drop_bad_packet"),
    TX_SEND_ERRORS("tx_send_errors"),
    TUN_READ_ERRORS("tun_read_errors"),
    RX_PACKETS("rx_packets"),
    RX_BYTES("rx_bytes"),
    RX_UNKNOWN_SENDER("rx_drop_unknown_sender"),
    RX_MALFORMED("rx_drop_malformed"),
    RX_WRONG_VNI("rx_drop_wrong_vni"),
    RX_ARP("rx_drop_arp"),
    RX_NOT_IP("rx_drop_not_ip"),
    RX_AUTH_FAILED("rx_drop_auth_failed"),
    RX_REPLAY("rx_drop_replay"),
    RX_STALE_SESSION("rx_drop_stale_session"),
    RX_NO_KEY("rx_drop_no_key"),
    TUN_WRITE_ERRORS("tun_write_errors"),
    REKEYS("rekeys"),
    RX_SESSIONS("rx_sessions_accepted"),
    RX_SPOOFED_SOURCE("rx_drop_spoofed_source"),
    RX_GRO_FRAMES("rx_gro_frames"),
    /** A sealed frame under a key id no configured key has (the peers' secret files differ). */
    RX_UNKNOWN_KEY("rx_drop_unknown_key");

    private final String metricName;

    SleeveCounter(String metricName) {
        this.metricName = metricName;
    }

    /** Stable name for metrics ({@code weft_sleeve_<name>_total}). */
    public String metricName() {
        return metricName;
    }
}
