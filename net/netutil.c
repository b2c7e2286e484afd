/* netutil.c — see netutil.h. */
#include "netutil.h"
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double net_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t net_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void net_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = getrandom(p, len, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            /* no CSPRNG at all: never happens on Linux >= 3.17; fail loudly rather than guess */
            perror("getrandom");
            abort();
        }
        p += r;
        len -= (size_t)r;
    }
}

int net_resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *sl,
                char *msg, size_t msgsz)
{
    char h[256], ps[16];
    size_t n = strlen(host);
    if (n >= sizeof h) {
        snprintf(msg, msgsz, "%s: host name too long", host);
        return -1;
    }
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = 0;
    } else {
        memcpy(h, host, n + 1);
    }
    snprintf(ps, sizeof ps, "%u", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res;
    int e = getaddrinfo(h, ps, &hints, &res);
    if (e) {
        snprintf(msg, msgsz, "%s: %s", host, gai_strerror(e));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int net_resolve_hostport(const char *hp, struct sockaddr_storage *ss, socklen_t *sl,
                         char *msg, size_t msgsz)
{
    const char *c = strrchr(hp, ':');
    unsigned port;
    char host[256];
    if (!c || c == hp || (size_t)(c - hp) >= sizeof host || net_parse_port(c + 1, &port)) {
        snprintf(msg, msgsz, "%s: expected HOST:PORT", hp);
        return -1;
    }
    memcpy(host, hp, (size_t)(c - hp));
    host[c - hp] = 0;
    return net_resolve(host, port, ss, sl, msg, msgsz);
}

void net_addr_str(const struct sockaddr *sa, char *out, size_t outsz)
{
    char a[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const void *)sa;
        inet_ntop(AF_INET, &s->sin_addr, a, sizeof a);
        snprintf(out, outsz, "%s:%u", a, ntohs(s->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const void *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof a);
        snprintf(out, outsz, "[%s]:%u", a, ntohs(s->sin6_port));
    } else {
        snprintf(out, outsz, "?");
    }
}

int net_is_multicast(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return IN_MULTICAST(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
    return 0;
}

int net_parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    int shift = 0;
    if (*end == 'k' || *end == 'K') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end) return -1;
    if (shift && x > (UINT64_MAX >> shift)) return -1;
    *v = (uint64_t)x << shift;
    return 0;
}

int net_parse_double(const char *s, double *v)
{
    char *end;
    if (!s || !*s) return -1;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || *end || !isfinite(x)) return -1;
    *v = x;
    return 0;
}

int net_parse_port(const char *s, unsigned *port)
{
    uint64_t v;
    if (net_parse_u64(s, &v) || v > 65535) return -1;
    *port = (unsigned)v;
    return 0;
}

/* ---- log and bar ---------------------------------------------------------------------- */
static const char *g_prog = "holonet";
static int g_tty = -1, g_bar_shown, g_quiet;

void net_log_quiet(int q) { g_quiet = q; }

void net_log_init(const char *prog)
{
    g_prog = prog;
    g_tty = isatty(2);
}

int net_log_tty(void)
{
    if (g_tty < 0) g_tty = isatty(2);
    return g_tty;
}

void net_bar_clear(void)
{
    if (g_bar_shown) fputs("\r\033[K", stderr);
    g_bar_shown = 0;
}

static void log_v(const char *fmt, va_list ap)
{
    if (g_quiet) return;
    net_bar_clear();
    fprintf(stderr, "[%s] ", g_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void net_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(fmt, ap);
    va_end(ap);
}

/* Token bucket of NET_LOG_BURST lines refilled at one line per NET_LOG_EVERY_MS. */
#define NET_LOG_BURST 10
#define NET_LOG_EVERY_MS 1000
static int64_t g_tokens_ms = -1;   /* time at which the bucket is empty again (burst ms ahead) */
static uint64_t g_suppressed;

void net_log_limited(const char *fmt, ...)
{
    int64_t now = net_now_ms(), cap = (int64_t)NET_LOG_BURST * NET_LOG_EVERY_MS;
    if (g_tokens_ms < now) g_tokens_ms = now;   /* full bucket: nothing spent ahead */
    if (g_tokens_ms - now + NET_LOG_EVERY_MS > cap) {
        g_suppressed++;
        return;
    }
    g_tokens_ms += NET_LOG_EVERY_MS;
    va_list ap;
    va_start(ap, fmt);
    log_v(fmt, ap);
    va_end(ap);
}

uint64_t net_log_suppressed(void) { return g_suppressed; }

void net_bar(const char *fmt, ...)
{
    if (!net_log_tty()) return;
    va_list ap;
    fputs("\r\033[K", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
    g_bar_shown = 1;
}
