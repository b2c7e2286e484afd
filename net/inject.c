/* inject.c — `holonet inject HOST:PORT FILE`: send raw datagrams, one hex line each (the
 * capture format of the test vectors). A test tool: replays captures over a real socket and
 * delivers hostile datagrams to a running receiver.
 *
 *   holonet inject 127.0.0.1:5000 capture.hex --delay 0.0005
 */
#include "holonet.h"
#include "hexcap.h"
#include "netutil.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int holonet_inject_main(int argc, char **argv)
{
    double delay = 0;
    uint64_t repeat = 1;
    static const struct option lo[] = { { "delay", 1, 0, 'd' }, { "repeat", 1, 0, 'r' },
                                        { 0, 0, 0, 0 } };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch == 'd' && !net_parse_double(optarg, &delay) && delay >= 0 && delay < 10) continue;
        if (ch == 'r' && !net_parse_u64(optarg, &repeat)) continue;
        fputs("usage: holonet inject HOST:PORT FILE.hex|- [--delay S] [--repeat N]\n", stderr);
        return 2;
    }
    if (argc - optind != 2) {
        fputs("usage: holonet inject HOST:PORT FILE.hex|- [--delay S] [--repeat N]\n", stderr);
        return 2;
    }
    net_log_init("inject");
    holonet_on_signals();
    struct sockaddr_storage ta;
    socklen_t tl;
    char msg[512];
    if (net_resolve_hostport(argv[optind], &ta, &tl, msg, sizeof msg)) {
        net_log("%s", msg);
        return 1;
    }
    int fd = socket(ta.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    FILE *f = strcmp(argv[optind + 1], "-") ? fopen(argv[optind + 1], "r") : stdin;
    if (fd < 0 || !f) {
        net_log("%s: %s", argv[optind + 1], strerror(errno));
        return 1;
    }
    hexcap h = { .f = f };
    uint8_t *dg = malloc(65536);
    uint64_t sent = 0;
    long len;
    while (dg && !holonet_stop && (len = hexcap_next(&h, dg, 65507)) >= 0) {
        for (uint64_t k = 0; k < repeat && !holonet_stop; k++) {
            if (sendto(fd, dg, (size_t)len, 0, (struct sockaddr *)&ta, tl) >= 0) sent++;
            if (delay > 0) {
                struct timespec ts = { (time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
    }
    net_log("sent %llu datagrams", (unsigned long long)sent);
    hexcap_free(&h);
    free(dg);
    if (f != stdin) fclose(f);
    close(fd);
    return 0;
}
