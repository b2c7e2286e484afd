/* netutil.h — small helpers shared by tx, rx and relay: clock, randomness, addresses,
 * option values, and the event log that coexists with a progress bar on a terminal. */
#ifndef HOLONET_NETUTIL_H
#define HOLONET_NETUTIL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

int64_t net_now_ms(void);             /* monotonic */
double net_now_s(void);
int64_t net_wall_ms(void);            /* Unix time in ms (keyed datagrams' sent_ms) */
/* Fill buf from the OS CSPRNG (getrandom). */
void net_random(void *buf, size_t len);

/* Resolve HOST (name, IPv4, IPv6, "[v6]") and port into ss. 0 or -1 with msg. */
int net_resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *sl,
                char *msg, size_t msgsz);
/* "HOST:PORT" or "[V6]:PORT". */
int net_resolve_hostport(const char *hp, struct sockaddr_storage *ss, socklen_t *sl,
                         char *msg, size_t msgsz);
/* Printable "addr:port". */
void net_addr_str(const struct sockaddr *sa, char *out, size_t outsz);
int net_is_multicast(const struct sockaddr *sa);

/* Option values: decimal integers with optional k/M/G (binary) suffix; -1 on error. */
int net_parse_u64(const char *s, uint64_t *v);
int net_parse_double(const char *s, double *v);
int net_parse_port(const char *s, unsigned *port);

/* Event log on stderr. On a terminal, net_bar() draws a one-line bar that log lines erase
 * and redraw around; otherwise bars are suppressed and only event lines appear. */
void net_log_init(const char *prog);
void net_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* net_log for lines that unverified peers can cause (transfers that landed nothing, rejected
 * chunks): at most 10 at once, then one per second; the rest are only counted. */
void net_log_limited(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t net_log_suppressed(void);   /* lines net_log_limited did not print */
void net_bar(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void net_bar_clear(void);
int net_log_tty(void);
/* Silence net_log (unit tests). */
void net_log_quiet(int q);
#endif
