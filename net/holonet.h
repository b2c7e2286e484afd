/* holonet.h — entry points of the holonet subcommands (net/main.c dispatches). */
#ifndef HOLONET_H
#define HOLONET_H
int holonet_tx_main(int argc, char **argv);
int holonet_rx_main(int argc, char **argv);
int holonet_relay_main(int argc, char **argv);
int holonet_inject_main(int argc, char **argv);
/* Set by SIGINT/SIGTERM handlers installed with holonet_on_signals(). */
extern volatile int holonet_stop;
void holonet_on_signals(void);
#endif
