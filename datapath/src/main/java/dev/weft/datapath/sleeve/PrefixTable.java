package dev.weft.datapath.sleeve;

import dev.weft.ipam.addr.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable longest-prefix-match table from IPv4 and IPv6 prefixes to values, allocation-free on lookup: per
 * family, one open-addressing table per prefix length present, probed from the longest length down. IPv4 keys are
 * {@code int}s, IPv6 keys two {@code long}s (the address's high and low 64 bits, as read from a packet).
 */
final class PrefixTable<V> {
    private final int[] lengths; // IPv4 prefix lengths present, longest first
    private final int[][] keys; // per length: network address (masked), open addressing
    private final Object[][] values; // per length: value or null (empty slot)
    private final int[] lengths6; // IPv6 prefix lengths present, longest first
    private final long[][] keysHi; // per length: masked high 64 bits
    private final long[][] keysLo; // per length: masked low 64 bits
    private final Object[][] values6;

    private PrefixTable(
            int[] lengths,
            int[][] keys,
            Object[][] values,
            int[] lengths6,
            long[][] keysHi,
            long[][] keysLo,
            Object[][] values6) {
        this.lengths = lengths;
        this.keys = keys;
        this.values = values;
        this.lengths6 = lengths6;
        this.keysHi = keysHi;
        this.keysLo = keysLo;
        this.values6 = values6;
    }

    static <V> PrefixTable<V> empty() {
        return new PrefixTable<>(
                new int[0], new int[0][], new Object[0][], new int[0], new long[0][], new long[0][], new Object[0][]);
    }

    /** Builds a table of both families; for duplicate prefixes the later entry wins. */
    static <V> PrefixTable<V> of(Map<Cidr, V> entries) {
        TreeMap<Integer, List<Map.Entry<Cidr, V>>> v4 = new TreeMap<>((x, y) -> Integer.compare(y, x));
        TreeMap<Integer, List<Map.Entry<Cidr, V>>> v6 = new TreeMap<>((x, y) -> Integer.compare(y, x));
        for (Map.Entry<Cidr, V> e : entries.entrySet()) {
            (e.getKey().isIpv4() ? v4 : v6)
                    .computeIfAbsent(e.getKey().prefixLength(), k -> new ArrayList<>())
                    .add(e);
        }
        int n = v4.size();
        int[] lengths = new int[n];
        int[][] keys = new int[n][];
        Object[][] values = new Object[n][];
        int i = 0;
        for (Map.Entry<Integer, List<Map.Entry<Cidr, V>>> e : v4.entrySet()) {
            int len = e.getKey();
            int cap = capacity(e.getValue().size());
            int[] k = new int[cap];
            Object[] v = new Object[cap];
            for (Map.Entry<Cidr, V> ce : e.getValue()) {
                int net = ce.getKey().network().toIpv4Int() & mask(len);
                int slot = hash(net) & (cap - 1);
                while (v[slot] != null && k[slot] != net) slot = (slot + 1) & (cap - 1);
                k[slot] = net;
                v[slot] = ce.getValue();
            }
            lengths[i] = len;
            keys[i] = k;
            values[i] = v;
            i++;
        }
        int n6 = v6.size();
        int[] lengths6 = new int[n6];
        long[][] keysHi = new long[n6][];
        long[][] keysLo = new long[n6][];
        Object[][] values6 = new Object[n6][];
        i = 0;
        for (Map.Entry<Integer, List<Map.Entry<Cidr, V>>> e : v6.entrySet()) {
            int len = e.getKey();
            int cap = capacity(e.getValue().size());
            long[] kh = new long[cap];
            long[] kl = new long[cap];
            Object[] v = new Object[cap];
            for (Map.Entry<Cidr, V> ce : e.getValue()) {
                long hi = ce.getKey().network().high64() & maskHi(len);
                long lo = ce.getKey().network().low64() & maskLo(len);
                int slot = hash6(hi, lo) & (cap - 1);
                while (v[slot] != null && (kh[slot] != hi || kl[slot] != lo)) slot = (slot + 1) & (cap - 1);
                kh[slot] = hi;
                kl[slot] = lo;
                v[slot] = ce.getValue();
            }
            lengths6[i] = len;
            keysHi[i] = kh;
            keysLo[i] = kl;
            values6[i] = v;
            i++;
        }
        return new PrefixTable<>(lengths, keys, values, lengths6, keysHi, keysLo, values6);
    }

    private static int capacity(int entries) {
        return Integer.highestOneBit(Math.max(4, entries * 2 + 1) * 2 - 1);
    }

    static int mask(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    static long maskHi(int len) {
        return len == 0 ? 0 : len >= 64 ? -1L : -1L << (64 - len);
    }

    static long maskLo(int len) {
        return len <= 64 ? 0 : -1L << (128 - len);
    }

    private static int hash(int x) {
        x *= 0x9E3779B1;
        return x ^ (x >>> 16);
    }

    private static int hash6(long hi, long lo) {
        long x = (hi ^ Long.rotateLeft(lo, 29)) * 0x9E3779B97F4A7C15L;
        return (int) (x ^ (x >>> 32));
    }

    /** The value of the longest IPv4 prefix containing {@code address}, or null. */
    @SuppressWarnings("unchecked")
    V lookup(int address) {
        for (int i = 0; i < lengths.length; i++) {
            int net = address & mask(lengths[i]);
            int[] k = keys[i];
            Object[] v = values[i];
            int m = k.length - 1;
            int slot = hash(net) & m;
            Object found;
            while ((found = v[slot]) != null) {
                if (k[slot] == net) return (V) found;
                slot = (slot + 1) & m;
            }
        }
        return null;
    }

    /** The value of the longest IPv6 prefix containing the address {@code hi:lo} (high and low 64 bits), or null. */
    @SuppressWarnings("unchecked")
    V lookup6(long hi, long lo) {
        for (int i = 0; i < lengths6.length; i++) {
            long h = hi & maskHi(lengths6[i]);
            long l = lo & maskLo(lengths6[i]);
            long[] kh = keysHi[i];
            long[] kl = keysLo[i];
            Object[] v = values6[i];
            int m = kh.length - 1;
            int slot = hash6(h, l) & m;
            Object found;
            while ((found = v[slot]) != null) {
                if (kh[slot] == h && kl[slot] == l) return (V) found;
                slot = (slot + 1) & m;
            }
        }
        return null;
    }
}
