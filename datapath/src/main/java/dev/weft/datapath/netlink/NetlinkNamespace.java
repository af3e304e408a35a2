package dev.weft.datapath.netlink;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;

/**
 * Netlink inside another network namespace. {@link #open} starts one dedicated PLATFORM thread from
 * the caller's {@link ThreadFactory}; that thread calls {@code setns(fd, CLONE_NEWNET)} and then
 * opens the netlink socket, which stays bound to that namespace for its whole life. The returned
 * {@link #netlink()} is synchronous and may be called from any thread. Work that depends on the
 * calling thread's namespace (sysctls, opening event sockets, anything else) goes through
 * {@link #call}, which runs on the namespace thread. {@link #close()} closes the socket and ends
 * the thread.
 *
 * <pre>{@code
 * try (NetlinkNamespace ns = NetlinkNamespace.open(Path.of("/var/run/netns/pod1"), Thread.ofPlatform().factory())) {
 *     Link eth0 = ns.netlink().link("eth0").orElseThrow();
 *     ns.writeSysctl("net/ipv6/conf/eth0/disable_ipv6", "1");
 * }
 * }</pre>
 */
public final class NetlinkNamespace implements AutoCloseable {
    private static final Runnable STOP = () -> {};

    private final Path path;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile RtNetlink netlink;

    private NetlinkNamespace(Path path, ThreadFactory threads) {
        this.path = path;
        this.thread = threads.newThread(this::run);
        if (thread == null) {
            throw new IllegalArgumentException("thread factory returned null");
        }
        if (thread.isVirtual()) {
            throw new IllegalArgumentException("namespace work needs a platform thread: setns on a virtual thread"
                    + " would move its carrier thread into " + path);
        }
    }

    /**
     * Enters the namespace at {@code nsPath} ({@code /run/netns/NAME}, {@code /proc/PID/ns/net}) on
     * a new platform thread and opens a netlink socket there. Fails with {@link NetlinkException}
     * (e.g. ENOENT when the namespace does not exist).
     */
    public static NetlinkNamespace open(Path nsPath, ThreadFactory platformThreads) {
        NetlinkNamespace ns = new NetlinkNamespace(nsPath, platformThreads);
        CompletableFuture<Void> entered = new CompletableFuture<>();
        ns.tasks.add(() -> {
            int fd = NetlinkSyscalls.openReadOnly(nsPath);
            try {
                NetlinkSyscalls.setnsNet(fd, nsPath);
            } finally {
                NetlinkSyscalls.close(fd);
            }
            ns.netlink = new RtNetlink(NetlinkSocket.open());
        });
        ns.tasks.add(() -> entered.complete(null));
        ns.thread.setName("weft-netns-" + nsPath.getFileName());
        ns.thread.start();
        try {
            ns.await(entered);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void run() {
        while (true) {
            Runnable r;
            try {
                r = tasks.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                // the first task (setns) failed: the thread must not do anything else
                failed = e;
                drainFailing();
                return;
            }
        }
    }

    private volatile RuntimeException failed;

    private void drainFailing() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            if (r instanceof Task<?> t) t.future.completeExceptionally(failed);
        }
    }

    private final class Task<T> implements Runnable {
        final Callable<T> callable;
        final CompletableFuture<T> future = new CompletableFuture<>();

        Task(Callable<T> callable) {
            this.callable = callable;
        }

        @Override
        public void run() {
            try {
                future.complete(callable.call());
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }
    }

    private <T> T await(CompletableFuture<T> f) {
        while (true) {
            RuntimeException fail = failed;
            if (fail != null && !f.isDone()) {
                throw fail;
            }
            try {
                return f.get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (!thread.isAlive() && failed == null && !f.isDone()) {
                    throw new IllegalStateException("namespace thread for " + path + " ended");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for namespace " + path, e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) throw r;
                if (c instanceof Error err) throw err;
                throw new IllegalStateException("task in namespace " + path + " failed: " + c, c);
            }
        }
    }

    /** Runs {@code task} on the namespace thread and returns its result (exceptions are rethrown). */
    public <T> T call(Callable<T> task) {
        if (Thread.currentThread() == thread) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (!thread.isAlive()) {
            throw new IllegalStateException("namespace " + path + " is closed");
        }
        Task<T> t = new Task<>(task);
        tasks.add(t);
        return await(t.future);
    }

    /** The netlink client bound to this namespace. */
    public Netlink netlink() {
        return netlink;
    }

    /** Subscribes to events in this namespace (the socket is opened on the namespace thread). */
    public NetlinkEvents subscribe(int... groups) {
        return call(() -> NetlinkEvents.open(groups));
    }

    /** Writes a sysctl ({@code net/ipv4/ip_forward}) as seen inside this namespace. */
    public void writeSysctl(String key, String value) {
        call(() -> {
            Sysctl.write(key, value);
            return null;
        });
    }

    public String readSysctl(String key) {
        return call(() -> Sysctl.read(key));
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        RtNetlink n = netlink;
        if (n != null) {
            n.close();
        }
        tasks.add(STOP);
    }
}
