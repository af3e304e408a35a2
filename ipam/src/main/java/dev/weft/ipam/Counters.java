package dev.weft.ipam;

/** The mutable counters behind {@link IpamCounters} (one node, one thread). */
final class Counters {
    long allocations;
    long releases;
    long noSpace;
    long gcReleased;
    long ringsApplied;
    long ringsUnchanged;
    long ringsRefusedTakeover;
    long ringConflicts;
    long ringMismatches;
    long ringInvalid;
    long spaceRequestsSent;
    long spaceGrantsGiven;
    long spaceRequestsRefused;
    long spaceGrantsReceived;
    long spaceGrantsRefused;
    long reclaims;
    long deltasApplied;
    long deltasUnchanged;
    long deltasWithoutRing;
    long deltasPublished;
    long ringEntriesUnproven;
    long ringEntriesCorroborated;

    IpamCounters snapshot() {
        return new IpamCounters(
                allocations,
                releases,
                noSpace,
                gcReleased,
                ringsApplied,
                ringsUnchanged,
                ringsRefusedTakeover,
                ringConflicts,
                ringMismatches,
                ringInvalid,
                spaceRequestsSent,
                spaceGrantsGiven,
                spaceRequestsRefused,
                spaceGrantsReceived,
                spaceGrantsRefused,
                reclaims,
                deltasApplied,
                deltasUnchanged,
                deltasWithoutRing,
                deltasPublished,
                ringEntriesUnproven,
                ringEntriesCorroborated);
    }
}
