/* sig.c — the stop flag shared by the long-running subcommands (tx, rx, relay, inject). */
#include "holonet.h"
#include <signal.h>
#include <string.h>

volatile int holonet_stop;

static void on_sig(int s)
{
    (void)s;
    holonet_stop = 1;
}

void holonet_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;   /* no SA_RESTART: blocking calls return and the loops see the flag */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
