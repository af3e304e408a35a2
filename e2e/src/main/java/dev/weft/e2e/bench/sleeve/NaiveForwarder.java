package dev.weft.e2e.bench.sleeve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark baseline: a naive TUN<->UDP forwarder in C (Flannel's old {@code udp} backend
 * design: one blocking read + sendto per packet one way and recv + write the other, a thread
 * each, no offloads, no batching), compiled with gcc on first use.
 */
final class NaiveForwarder {
    private NaiveForwarder() {}

    static final String SOURCE = """
            #include <arpa/inet.h>
            #include <fcntl.h>
            #include <linux/if.h>
            #include <linux/if_tun.h>
            #include <pthread.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/ioctl.h>
            #include <sys/socket.h>
            #include <unistd.h>

            static int tun, s;
            static struct sockaddr_in peer;

            /* UDP -> TUN, one recv + write per packet */
            static void *rx(void *arg) {
                static char buf[65536];
                for (;;) {
                    ssize_t n = recv(s, buf, sizeof buf, 0);
                    if (n > 0) write(tun, buf, n);
                }
                return arg;
            }

            /* usage: naivefwd TUN LOCAL_PORT PEER_IP PEER_PORT */
            int main(int argc, char **argv) {
                if (argc != 5) return 2;
                tun = open("/dev/net/tun", O_RDWR);
                if (tun < 0) { perror("open"); return 1; }
                struct ifreq ifr;
                memset(&ifr, 0, sizeof ifr);
                ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
                strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
                if (ioctl(tun, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); return 1; }
                s = socket(AF_INET, SOCK_DGRAM, 0);
                struct sockaddr_in local = {0};
                local.sin_family = AF_INET;
                local.sin_port = htons(atoi(argv[2]));
                if (bind(s, (struct sockaddr *) &local, sizeof local) < 0) { perror("bind"); return 1; }
                peer.sin_family = AF_INET;
                peer.sin_port = htons(atoi(argv[4]));
                inet_pton(AF_INET, argv[3], &peer.sin_addr);
                pthread_t t;
                pthread_create(&t, NULL, rx, NULL);
                printf("ready\\n");
                fflush(stdout);
                /* TUN -> UDP, one read + sendto per packet */
                static char buf[65536];
                for (;;) {
                    ssize_t n = read(tun, buf, sizeof buf);
                    if (n > 0) sendto(s, buf, n, 0, (struct sockaddr *) &peer, sizeof peer);
                }
            }
            """;

    private static Path binary;

    static synchronized Path binary() {
        if (binary != null) return binary;
        try {
            Path dir = Files.createTempDirectory("weft-naivefwd");
            Path src = dir.resolve("naivefwd.c");
            Files.writeString(src, SOURCE);
            Path bin = dir.resolve("naivefwd");
            SleeveBench.run("gcc", "-O2", "-pthread", "-o", bin.toString(), src.toString());
            binary = bin;
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
