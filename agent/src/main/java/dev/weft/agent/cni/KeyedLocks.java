package dev.weft.agent.cni;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key, created on demand and dropped when nobody holds or waits for it. Used to run CNI
 * calls for the same container one after another while different containers proceed in parallel.
 */
final class KeyedLocks {

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users; // guarded by the map's compute
    }

    private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

    /** A held lock; close it to release. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held lock(String key) {
        Entry e = locks.compute(key, (k, old) -> {
            Entry n = old == null ? new Entry() : old;
            n.users++;
            return n;
        });
        e.lock.lock();
        return () -> {
            e.lock.unlock();
            locks.computeIfPresent(key, (k, cur) -> --cur.users == 0 ? null : cur);
        };
    }

    /** The lock if nobody holds or waits for it, else empty (the key is busy). */
    java.util.Optional<Held> tryLock(String key) {
        Entry e = locks.compute(key, (k, old) -> {
            Entry n = old == null ? new Entry() : old;
            n.users++;
            return n;
        });
        if (e.users == 1 && e.lock.tryLock()) {
            return java.util.Optional.of(() -> {
                e.lock.unlock();
                locks.computeIfPresent(key, (k, cur) -> --cur.users == 0 ? null : cur);
            });
        }
        locks.computeIfPresent(key, (k, cur) -> --cur.users == 0 ? null : cur);
        return java.util.Optional.empty();
    }

    /** Keys with a holder or waiter (for tests and status). */
    int size() {
        return locks.size();
    }
}
