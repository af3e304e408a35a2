package dev.weft.k8s.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.TestClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ReclaimLockTest {
    KubernetesClient client;
    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T12:00:00Z"));
    private ExecutorService pool;
    private static final String DEAD = "00000000deadbeef";

    @BeforeEach
    void setUp() {
        pool = Executors.newFixedThreadPool(10);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    private ReclaimLock lock() {
        return new ReclaimLock(client, K8sConfig.defaults("n").withReclaimClaimTimeout(Duration.ofSeconds(60)), clock);
    }

    private static String peer(int i) {
        return String.format("%016x", 0xa000 + i);
    }

    /** Runs every task at once (released together) and returns the results in task order. */
    private <T> List<T> race(List<Callable<T>> tasks) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> fs = new ArrayList<>();
        for (Callable<T> t : tasks) {
            fs.add(pool.submit(() -> {
                go.await();
                return t.call();
            }));
        }
        go.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs) out.add(f.get());
        return out;
    }

    /** Ten agents, each with its own ReclaimLock (as each agent process has), kept across races. */
    private final List<ReclaimLock> agentLocks = new ArrayList<>();

    private List<Callable<Boolean>> contenders(int n) {
        while (agentLocks.size() < n) agentLocks.add(lock());
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String me = peer(i);
            ReclaimLock l = agentLocks.get(i);
            tasks.add(() -> l.tryAcquireReclaim(DEAD, me));
        }
        return tasks;
    }

    @RepeatedTest(5)
    void exactlyOneOfTenConcurrentContendersWins() throws Exception {
        List<Boolean> results = race(contenders(10));
        assertThat(results).filteredOn(b -> b).hasSize(1);
        int winner = results.indexOf(true);
        ReclaimRecord rec = lock().read(DEAD).orElseThrow();
        assertThat(rec.holderPeerId()).isEqualTo(peer(winner));
        assertThat(rec.state()).isEqualTo(ReclaimRecord.State.CLAIMED);
        assertThat(rec.deadPeerId()).isEqualTo(DEAD);
    }

    @Test
    void completedReclaimIsRecordedAndNeverRepeated() throws Exception {
        ReclaimLock a = lock();
        assertThat(a.tryAcquireReclaim(DEAD, peer(1))).isTrue();
        a.markReclaimed(DEAD, peer(1), List.of("10.32.0.0/26", "10.32.1.0/24"));

        ReclaimRecord rec = lock().read(DEAD).orElseThrow();
        assertThat(rec.state()).isEqualTo(ReclaimRecord.State.DONE);
        assertThat(rec.holderPeerId()).isEqualTo(peer(1));
        assertThat(rec.ranges()).containsExactly("10.32.0.0/26", "10.32.1.0/24");
        assertThat(rec.reclaimedAt()).contains(clock.instant());

        // Late learners, even long after the claim timeout, and even the holder itself: nobody reclaims again.
        clock.advance(Duration.ofHours(1));
        assertThat(race(contenders(10))).containsOnly(false);
        assertThat(a.tryAcquireReclaim(DEAD, peer(1))).isFalse();
        assertThat(lock().list()).hasSize(1);
    }

    @Test
    void holderRestartingKeepsItsUnfinishedClaim() {
        assertThat(lock().tryAcquireReclaim(DEAD, peer(1))).isTrue();
        assertThat(lock().tryAcquireReclaim(DEAD, peer(1))).isTrue();
        assertThat(lock().tryAcquireReclaim(DEAD, peer(2))).isFalse();
    }

    @Test
    void expiredClaimIsTakenOverByExactlyOne() throws Exception {
        assertThat(lock().tryAcquireReclaim(DEAD, peer(99))).isTrue(); // holder then crashes
        assertThat(race(contenders(10))).as("first sight of the claim").containsOnly(false);
        clock.advance(Duration.ofSeconds(59));
        assertThat(race(contenders(10))).as("not yet expired").containsOnly(false);

        clock.advance(Duration.ofSeconds(2));
        List<Boolean> results = race(contenders(10));
        assertThat(results).filteredOn(b -> b).hasSize(1);
        String winner = peer(results.indexOf(true));
        ReclaimRecord rec = lock().read(DEAD).orElseThrow();
        assertThat(rec.holderPeerId()).isEqualTo(winner);
        assertThat(rec.transitions()).isEqualTo(1);
        assertThat(agentLocks.get(results.indexOf(true)).status().takeovers()).isEqualTo(1);

        // The crashed holder comes back: it has lost the claim and is told so.
        assertThatThrownBy(() -> lock().markReclaimed(DEAD, peer(99), List.of("10.32.0.0/26")))
                .isInstanceOf(ReclaimLostException.class)
                .hasMessageContaining("peer=" + winner);
        lock().markReclaimed(DEAD, winner, List.of("10.32.0.0/26"));
        assertThat(lock().read(DEAD).orElseThrow().state()).isEqualTo(ReclaimRecord.State.DONE);
    }

    @Test
    void expiryIsJudgedByTheContendersOwnClockNotTheHolders() throws Exception {
        // The holder's clock is an hour behind: by its timestamps the claim looks long expired.
        TestClock skewed = new TestClock(clock.instant().minus(Duration.ofHours(1)));
        ReclaimLock holder = new ReclaimLock(
                client, K8sConfig.defaults("h").withReclaimClaimTimeout(Duration.ofSeconds(60)), skewed);
        assertThat(holder.tryAcquireReclaim(DEAD, peer(99))).isTrue();
        assertThat(lock().read(DEAD).orElseThrow().expired(clock.instant())).isTrue();
        assertThat(race(contenders(10)))
                .as("just started holding, whatever its clock says")
                .containsOnly(false);
        clock.advance(Duration.ofSeconds(30));
        assertThat(race(contenders(10))).containsOnly(false);
        // A claim that changes (here: the holder finishes) is never taken over.
        holder.markReclaimed(DEAD, peer(99), List.of());
        clock.advance(Duration.ofMinutes(5));
        assertThat(race(contenders(10))).containsOnly(false);
    }

    @Test
    void releaseLetsSomeoneElseClaimLater() {
        ReclaimLock a = lock();
        assertThat(a.tryAcquireReclaim(DEAD, peer(1))).isTrue();
        assertThat(a.release(DEAD, peer(2))).as("not the holder").isFalse();
        assertThat(a.release(DEAD, peer(1))).isTrue();
        assertThat(a.read(DEAD)).isEmpty();
        assertThat(lock().tryAcquireReclaim(DEAD, peer(2))).isTrue();
        assertThat(a.status().released()).isEqualTo(1);
    }

    @Test
    void cleanupRemovesOnlyCompletedRecordsPastRetention() {
        ReclaimLock l = lock();
        l.tryAcquireReclaim("000000000000d001", peer(1));
        l.markReclaimed("000000000000d001", peer(1), List.of("10.32.0.0/26"));
        clock.advance(Duration.ofHours(23));
        l.tryAcquireReclaim("000000000000d002", peer(1));
        l.markReclaimed("000000000000d002", peer(1), List.of("10.32.0.64/26"));
        l.tryAcquireReclaim("000000000000d003", peer(1)); // unfinished
        assertThat(l.cleanup()).isZero();

        clock.advance(Duration.ofHours(2)); // d001 is 25h old, d002 2h
        assertThat(l.cleanup()).isEqualTo(1);
        assertThat(l.list())
                .extracting(ReclaimRecord::deadPeerId)
                .containsExactly("000000000000d002", "000000000000d003");
        assertThat(l.status().cleaned()).isEqualTo(1);
    }

    @Test
    void badInputIsRejectedClearly() {
        assertThatThrownBy(() -> lock().tryAcquireReclaim("../etc", peer(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dead peer id");
        assertThatThrownBy(() -> lock().tryAcquireReclaim(peer(1), peer(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("own ranges");
    }
}
