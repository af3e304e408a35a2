package dev.weft.agent.cni;

/** Fills a handler's CNI counters as served requests would (for tests outside this package). */
public final class CniStatsFixture {
    private CniStatsFixture() {}

    /** One served request of {@code command}, as the server counts it. */
    public static void served(CniHandler handler, String command, boolean ok, double seconds) {
        CniStats s = handler.stats();
        s.observe(command, ok, seconds);
        switch (command) {
            case "ADD" -> {
                s.adds.incrementAndGet();
                s.addNanosTotal.addAndGet((long) (seconds * 1e9));
            }
            case "DEL" -> {
                s.dels.incrementAndGet();
                s.delNanosTotal.addAndGet((long) (seconds * 1e9));
            }
            default -> s.checks.incrementAndGet();
        }
        if (!ok) s.errors.incrementAndGet();
    }
}
