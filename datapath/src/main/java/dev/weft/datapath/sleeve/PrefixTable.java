package dev.weft.datapath.sleeve;

import dev.weft.ipam.addr.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable IPv4 longest-prefix-match table from prefixes to values, allocation-free on lookup:
 * one open-addressing int-keyed table per prefix length present, probed from the longest length down.
 */
final class PrefixTable<V> {
    private final int[] lengths; // prefix lengths present, longest first
    private final int[][] keys; // per length: network address (masked), open addressing
    private final Object[][] values; // per length: value or null (empty slot)

    private PrefixTable(int[] lengths, int[][] keys, Object[][] values) {
        this.lengths = lengths;
        this.keys = keys;
        this.values = values;
    }

    static <V> PrefixTable<V> empty() {
        return new PrefixTable<>(new int[0], new int[0][], new Object[0][]);
    }

    /** Builds a table; for duplicate prefixes the later entry wins. */
    static <V> PrefixTable<V> of(Map<Cidr, V> entries) {
        TreeMap<Integer, List<Map.Entry<Cidr, V>>> byLength = new TreeMap<>((x, y) -> Integer.compare(y, x));
        for (Map.Entry<Cidr, V> e : entries.entrySet()) {
            if (!e.getKey().isIpv4()) throw new IllegalArgumentException("IPv4 prefixes only: " + e.getKey());
            byLength.computeIfAbsent(e.getKey().prefixLength(), k -> new ArrayList<>())
                    .add(e);
        }
        int n = byLength.size();
        int[] lengths = new int[n];
        int[][] keys = new int[n][];
        Object[][] values = new Object[n][];
        int i = 0;
        for (Map.Entry<Integer, List<Map.Entry<Cidr, V>>> e : byLength.entrySet()) {
            int len = e.getKey();
            int cap = Integer.highestOneBit(Math.max(4, e.getValue().size() * 2 + 1) * 2 - 1);
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
        return new PrefixTable<>(lengths, keys, values);
    }

    static int mask(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    private static int hash(int x) {
        x *= 0x9E3779B1;
        return x ^ (x >>> 16);
    }

    /** The value of the longest prefix containing {@code address}, or null. */
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
}
