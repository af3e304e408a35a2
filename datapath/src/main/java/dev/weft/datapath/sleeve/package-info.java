/**
 * The sleeve: Weft's userspace datapath, used per peer when the kernel VXLAN path is unavailable or
 * blocked, and for all pod traffic when the cluster requires encryption.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.weft.datapath.sleeve.TunDevice}: a TUN device through FFM ({@code /dev/net/tun},
 *       {@code TUNSETIFF} with {@code IFF_TUN|IFF_NO_PI|IFF_VNET_HDR}, {@code IFF_MULTI_QUEUE} for
 *       more than one queue, {@code TUNSETOFFLOAD} with checksum + TSO4 + TSO6), non-blocking reads and
 *       writes into caller memory.</li>
 *   <li>{@link dev.weft.datapath.sleeve.SleeveBackend}: one sender thread per TUN queue
 *       ({@code TxQueue}: longest-prefix peer lookup, framing, TSO frames cut once into MSS-sized
 *       datagrams sent with one UDP GSO {@code sendmsg}) and one Netty epoll UDP socket per queue
 *       ({@code SO_REUSEPORT}, {@code UDP_GRO}; {@code UdpHandler}: checks, decrypts, and
 *       {@code TcpCoalescer} joins in-order TCP segments into one GSO write into the TUN device). What the
 *       kernel queues on the TUN device during the event loop's writes (an echo reply, an ACK) is sent by
 *       the event loop at once while the reader thread sleeps ({@code TxQueue.drainNow}), one thread
 *       wake-up fewer per round trip.</li>
 *   <li>Plain framing ({@code VxlanFrame}): standard VXLAN, interoperable with kernel VXLAN nodes.
 *       Encrypted framing ({@code SealedFrame}): own format on its own port (default 6771).</li>
 *   <li>{@link dev.weft.datapath.sleeve.PathHealth} decides per peer between kernel VXLAN and the
 *       sleeve from {@link dev.weft.datapath.sleeve.VxlanProbe} results.</li>
 * </ul>
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>No ARP on the sleeve.</b> A TUN device is L3: the sleeve writes the inner Ethernet header
 *       itself (destination = the peer's VTEP MAC from its node record, source = our VTEP MAC) and
 *       strips it on receipt. Kernel VXLAN peers already hold a permanent neighbour entry for our
 *       VTEP address and an FDB entry for our VTEP MAC (that is how the vxlan backend programs every
 *       peer), so they never ARP for us; ARP frames that arrive anyway are dropped and counted
 *       ({@code rx_drop_arp}).</li>
 *   <li><b>Ports.</b> The plain sleeve speaks VXLAN on {@code plainPort} (default 4789). A node whose
 *       kernel VXLAN device exists owns 4789 in the kernel, so a plain sleeve there must use another
 *       port, the same cluster-wide; start fails with a message saying so. The encrypted sleeve
 *       always uses its own port (default 6771), never VXLAN framing.</li>
 *   <li><b>Checksums.</b> TUN ignores virtio {@code DATA_VALID}, and a kernel VXLAN sender on a veth
 *       or offloading NIC may leave the inner TCP/UDP checksum partial. Received TCP/UDP is therefore
 *       handed to the kernel as {@code NEEDS_CSUM} with the pseudo-header sum: the tunnel is trusted
 *       for L4 integrity (the AEAD tag when encrypted; the underlay otherwise, as with kernel VXLAN
 *       whose outer UDP checksum is off by default). Sent packets always carry complete checksums,
 *       so kernel VXLAN receivers verify them normally.</li>
 *   <li><b>Keys.</b> See {@link dev.weft.datapath.sleeve.SleeveKeys}: static X25519 keys from the
 *       gossiped node records, HKDF with both peer ids and a PSK from the cluster secret, a fresh key
 *       per sender session (random + start time in every header), rekey every 2 minutes or 2^32
 *       packets, 64-bit counters as nonces, a 2048-packet replay window per session, the previous
 *       session accepted until the next rekey; older sessions, wrong keys, tampering, replays, and
 *       inner source addresses outside the sender's ranges are dropped and counted.</li>
 *   <li><b>Probes</b> use a socket bound to the kernel VXLAN device ({@code SO_BINDTODEVICE}), so
 *       they test the kernel path even while the routes point at the sleeve; the reconciler must keep
 *       a sleeve peer's neighbour and FDB entries on the VXLAN device (only its routes move). With a
 *       cluster secret they carry an HMAC tag under a key per pair of nodes
 *       ({@link dev.weft.datapath.sleeve.ProbeAuth}, {@code ProbeKeys}), so forged or
 *       replayed probes change no path.</li>
 *   <li><b>Both inner families.</b> Inner IPv4 and IPv6 go to the peer owning the destination
 *       (one longest-prefix table with both families), framed with ethertype 0x0800 or 0x86DD; received IPv6 is
 *       checked against the sender's IPv6 ranges and VTEP address like IPv4. The TUN device gets IPv6 enabled
 *       with no link-local address ({@code TunIpv6}). TSO and receive coalescing handle IPv6 TCP too (TCP right
 *       after the fixed header; anything with extension headers goes through as it is).</li>
 *   <li><b>Either underlay family.</b> The sockets take the family of the node's underlay
 *       ({@link dev.weft.datapath.sleeve.SleeveConfig#underlayIpv6}): IPv4, or IPv6 bound to {@code [::]} (a
 *       dual-stack socket); {@code UdpSender} writes a {@code sockaddr_in} or {@code sockaddr_in6} per destination.
 *       Peers are reached at their underlay address of that family (the agent skips peers of the other family,
 *       as the kernel datapath does). Over IPv6 the TUN MTU is 20 bytes smaller (underlay MTU - 70 plain,
 *       - 96 encrypted). The probes are unaffected: they run between VTEP addresses through the VXLAN device,
 *       whatever its underlay.</li>
 * </ul>
 */
package dev.weft.datapath.sleeve;
