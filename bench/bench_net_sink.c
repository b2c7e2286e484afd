/* bench_net_sink — the baseline for `holonet rx`: a UDP sink that only counts datagrams.
 *   bench_net_sink PORT [IDLE_SECONDS]
 * Binds 127.0.0.1:PORT with the same receive buffer and recvmmsg batching as rx, and after
 * IDLE_SECONDS (default 2) without traffic prints "datagrams bytes seconds kernel_drops", the
 * time measured from the first to the last datagram. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define RXBUF 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_net_sink PORT [IDLE_SECONDS]\n");
        return 2;
    }
    double idle = argc > 2 ? atof(argv[2]) : 2.0;
    int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1, big = 64 << 20;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) {
        perror("bench_net_sink: bind");
        return 1;
    }
    fprintf(stderr, "sink listening\n");
    static uint8_t bufs[BATCH][RXBUF];
    static char ctl[BATCH][CMSG_SPACE(sizeof(uint32_t))];
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    uint64_t n = 0, bytes = 0;
    uint32_t drops = 0;
    double first = 0, last = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, 100);
        double t = now();
        if (pr <= 0) {
            if (n && t - last > idle) break;
            continue;
        }
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){ bufs[i], RXBUF };
            mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1,
                                             .msg_control = ctl[i], .msg_controllen = sizeof ctl[i] };
        }
        int r = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
        for (int i = 0; i < r; i++) {
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm;
                 cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL)
                    memcpy(&drops, CMSG_DATA(cm), sizeof drops);
            if (!n) first = t;
            n++;
            bytes += mm[i].msg_len;
        }
        if (r > 0) last = t;
    }
    printf("%llu %llu %.6f %u\n", (unsigned long long)n, (unsigned long long)bytes, last - first,
           drops);
    close(fd);
    return 0;
}
