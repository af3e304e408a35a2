package dev.weft.datapath.nft;

import dev.weft.ipam.addr.Cidr;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code table inet weft} as {@link NftRuleset} renders it, using the {@code nft} tool
 * ({@code nft -f -} for an atomic replace, {@code nft list table} to detect drift). Shelling out
 * is a stop-gap until an nftables netlink encoder exists; it is the only subprocess in the
 * datapath and runs only on reconcile, not per packet.
 *
 * <p>{@link #reconcile()} compares nft's listing of the table with the listing taken right
 * after Weft's last apply; any difference (rules deleted or added by hand, table flushed or
 * deleted) makes it apply the whole table again. Not thread-safe; call from the reconcile thread.
 */
public final class NftTable {
    private static final Logger log = LoggerFactory.getLogger(NftTable.class);

    private final List<String> nft;
    private List<Cidr> ranges = List.of();
    private String expectedListing;
    private long applies;
    private long repairs;
    private long errors;

    /** @param nftCommand the nft invocation, e.g. {@code List.of("nft")} (tests use {@code ip netns exec NS nft}) */
    public NftTable(List<String> nftCommand) {
        this.nft = List.copyOf(nftCommand);
    }

    public void setClusterRanges(List<Cidr> clusterRanges) {
        if (!clusterRanges.equals(ranges)) {
            ranges = List.copyOf(clusterRanges);
            expectedListing = null;
        }
    }

    /** Applies when missing, changed by hand or when the ranges changed; returns true if it applied. */
    public boolean reconcile() {
        if (ranges.isEmpty()) return false;
        try {
            String current = listOrNull();
            if (expectedListing != null && expectedListing.equals(current)) return false;
            boolean repair = expectedListing != null;
            run(List.of("-f", "-"), NftRuleset.render(ranges));
            expectedListing = listOrNull();
            applies++;
            if (repair) {
                repairs++;
                log.warn("nftables table inet {} was changed outside Weft; restored it", NftRuleset.TABLE);
            } else {
                log.info("applied nftables table inet {} ranges={}", NftRuleset.TABLE, ranges);
            }
            return true;
        } catch (NftException e) {
            errors++;
            log.warn(
                    "nftables reconcile failed: {} (is the nft tool installed and is nf_tables available?)",
                    e.getMessage());
            return false;
        }
    }

    /** Removes the table (agent uninstall). */
    public void delete() {
        run(List.of("-f", "-"), "table inet " + NftRuleset.TABLE + " {}\ndelete table inet " + NftRuleset.TABLE + "\n");
        expectedListing = null;
    }

    public long applies() {
        return applies;
    }

    public long repairs() {
        return repairs;
    }

    public long errors() {
        return errors;
    }

    private String listOrNull() {
        try {
            return run(List.of("list", "table", "inet", NftRuleset.TABLE), null);
        } catch (NftException e) {
            if (Objects.requireNonNullElse(e.getMessage(), "").contains("No such file")) return null;
            throw e;
        }
    }

    private String run(List<String> args, String stdin) {
        List<String> cmd = new ArrayList<>(nft);
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NftException(String.join(" ", cmd) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new NftException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new NftException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NftException("interrupted running " + String.join(" ", cmd), e);
        }
    }
}
