/* store.h — landing received chunks into the receive directory, and finalising transfers.
 *
 * Layout: BASE/<name>.holo/chunk_NNNN.holo (NNNN = the validated block id, >= 4 digits) plus a
 * hidden marker BASE/<name>.holo/.holonet naming the transfer. Every chunk is validated
 * (holo_chunk_parse, same set as its siblings, same coarse view, bounded inflate of its slice),
 * written under a temporary name and renamed into place without ever replacing a file.
 * Directories are created lazily when the first chunk lands, so forged datagrams leave nothing.
 *
 * Decode modes (the reference's): best/strict decode each transfer into BASE/<name> when it
 * completes or goes idle, then remove the chunk directory; none keeps the store and never decodes.
 */
#ifndef HOLONET_STORE_H
#define HOLONET_STORE_H
#include "reasm.h"
#include <stdio.h>

typedef enum { NET_MODE_BEST = 0, NET_MODE_STRICT, NET_MODE_NONE } net_mode;

typedef struct net_store_stats {
    uint64_t landed;          /* chunk and recovery files written */
    uint64_t recovery;        /* ...of which recovery_*.holo (HORC) */
    uint64_t identical;       /* chunk already stored with the same bytes */
    uint64_t invalid;         /* failed validation */
    uint64_t conflicts;       /* a different chunk already stored under that block id */
    uint64_t io_errors;
    uint64_t decoded, decode_failed, kept;
    uint64_t refused;         /* transfers whose first chunk claimed more than max_output */
} net_store_stats;

typedef struct net_store net_store;

/* base must exist. Returns NULL with msg on failure. */
net_store *net_store_open(const char *base, net_mode mode, int do_fsync, char *msg, size_t msgsz);
/* Largest decoded file (bytes) a chunk header may claim: image width*height*3, audio
 * frames*channels*2, binary length. A transfer whose first chunk claims more is refused with
 * one line and nothing of it lands (a later chunk claiming more is rejected as a chunk). */
#define NET_MAX_OUTPUT_DEFAULT (64ull << 30)
void net_store_set_max_output(net_store *s, uint64_t bytes);
/* Callbacks for hnet_rx_new. */
void net_store_sink(net_store *s, hnet_sink *sink);
const net_store_stats *net_store_get_stats(const net_store *s);
/* Per transfer: chunk files present in its directory, and the directory name ("" if none). */
uint32_t net_store_stored(const hnet_transfer *t);
const char *net_store_dir(const hnet_transfer *t);
void net_store_close(net_store *s);
#endif
