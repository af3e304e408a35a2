package dev.weft.ipam.ring;

import java.util.HexFormat;

/** Peer ids are the 64-bit PeerId of DESIGN §3; shown as 16 hex digits. */
public final class PeerIds {
  private PeerIds() {}

  public static String format(long peer) {
    return HexFormat.of().toHexDigits(peer);
  }
}
