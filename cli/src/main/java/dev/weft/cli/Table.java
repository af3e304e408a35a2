package dev.weft.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table for the status CLI (columns padded to the widest cell, two spaces apart). */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    public Table row(Object... cells) {
        if (cells.length != header.size())
            throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(c == null ? "-" : String.valueOf(c));
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public String render() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows)
            for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        for (List<String> r : rows) line(sb, r, w);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            l.append(cells.get(i));
            if (i < w.length - 1) l.append(" ".repeat(w[i] - cells.get(i).length() + 2));
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}
