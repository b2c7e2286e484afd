/* main.c — holonet: send and receive holographic chunk directories over UDP (HNET).
 *
 *   holonet rx --port 5000 --base-dir inbox --decode-mode none &
 *   holonet relay --listen 6000 --to 127.0.0.1:5000 --loss 0.3 &
 *   holonet tx photo.png 127.0.0.1 --port 6000
 *
 * See holonet(1).
 */
#include "holonet.h"
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: holonet tx FILE|DIR.holo HOST [options]   send a transfer\n"
          "       holonet rx [options]                      receive transfers\n"
          "       holonet relay --listen PORT --to HOST:PORT [options]   lossy channel emulator\n"
          "       holonet inject HOST:PORT FILE.hex         send raw hex datagrams (testing)\n"
          "Run `holonet COMMAND --help` for the options, or see holonet(1).\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "tx")) return holonet_tx_main(argc - 1, argv + 1);
    if (!strcmp(c, "rx")) return holonet_rx_main(argc - 1, argv + 1);
    if (!strcmp(c, "relay")) return holonet_relay_main(argc - 1, argv + 1);
    if (!strcmp(c, "inject")) return holonet_inject_main(argc - 1, argv + 1);
    if (!strcmp(c, "-h") || !strcmp(c, "--help")) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
