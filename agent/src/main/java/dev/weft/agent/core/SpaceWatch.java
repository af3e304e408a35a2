package dev.weft.agent.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log when the cluster range becomes nearly full, full or out of this node's reach, and when it has
 * room again: one line per change of the verdict, never one per pod or per tick.
 */
final class SpaceWatch {
    private static final Logger log = LoggerFactory.getLogger(SpaceWatch.class);

    private SpaceOutlook.Verdict last = SpaceOutlook.Verdict.NO_RING;

    /** Logs if the verdict changed since the last call; returns true when it did. */
    boolean observe(SpaceOutlook o) {
        if (o.verdict() == last) return false;
        SpaceOutlook.Verdict before = last;
        last = o.verdict();
        switch (o.verdict()) {
            case NO_RING -> {}
            case OK -> {
                if (before != SpaceOutlook.Verdict.NO_RING)
                    log.atInfo()
                            .addKeyValue("range", o.range())
                            .addKeyValue("used", o.used())
                            .addKeyValue("total", o.total())
                            .log("the cluster range has room again: " + o.summary());
            }
            case NEARLY_FULL, FRAGMENTED, FULL ->
                log.atWarn()
                        .addKeyValue("range", o.range())
                        .addKeyValue("used", o.used())
                        .addKeyValue("total", o.total())
                        .log((o.verdict().stuck() ? "new pods on this node get no address: " : "") + o.summary()
                                + "; what to do: " + o.advice());
        }
        return true;
    }
}
