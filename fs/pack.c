/* pack.c — HOPK containers as read-only directories of objects (see pack.h). */
#include "pack.h"
#include "ns.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pk_is_container(const char *dir)
{
    char p[PATH_MAX];
    struct stat st;
    /* every container has object 0's coarse file: a stat keeps plain chunk dirs cheap */
    if (snprintf(p, sizeof p, "%s/obj_0000_coarse.bin", dir) >= (int)sizeof p ||
        lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return holo_pack_probe(dir);
}

void pk_name(const holo_pack_index *idx, size_t i, char *out, size_t outsz)
{
    snprintf(out, outsz, "obj_%04zu.%s", i,
             idx->objects[i].kind == HOLO_KIND_AUDIO ? "wav" : "png");
}

static void pk_info(const holo_pack_object *o, holo_info *info)
{
    memset(info, 0, sizeof *info);
    info->kind = o->kind;
    info->version = 2;
    if (o->kind == HOLO_KIND_AUDIO) {
        info->channels = o->channels;
        info->sample_rate = o->sample_rate;
        info->frames = o->frames;
    } else {
        info->width = o->w;
        info->height = o->h;
        info->channels = 3;
    }
}

uint64_t pk_size(const holo_pack_index *idx, size_t i)
{
    holo_info info;
    pk_info(&idx->objects[i], &info);
    return holo_view_size(&info, info.kind == HOLO_KIND_AUDIO ? HOLO_VIEW_WAV
                                                               : HOLO_VIEW_STORED_PNG);
}

/* Object index of "obj_NNNN.ext" (digits only, at least 4); -1 otherwise. */
static long parse_obj(const char *name, const char **ext)
{
    if (strncmp(name, "obj_", 4) != 0)
        return -1;
    const char *p = name + 4;
    long v = 0;
    int nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 9)
        v = v * 10 + (*p++ - '0'), nd++;
    if (nd < 4 || *p != '.' || (nd > 4 && name[4] == '0'))
        return -1;
    *ext = p + 1;
    return v;
}

pk_type pk_resolve(const char *store, const char *path, char *cdir, size_t cdirsz,
                   size_t *index)
{
    if (strcmp(path, "/") == 0 || ns_path_invalid(path))
        return PK_NONE;
    if (ns_join(cdir, cdirsz, store, path, NS_SUFFIX) == 0 && pk_is_container(cdir))
        return PK_ROOT;
    const char *slash = strrchr(path, '/');
    char parent[PATH_MAX];
    size_t pl = (size_t)(slash - path);
    if (pl == 0 || pl >= sizeof parent)
        return PK_NONE;
    memcpy(parent, path, pl);
    parent[pl] = 0;
    if (ns_join(cdir, cdirsz, store, parent, NS_SUFFIX) < 0 || !pk_is_container(cdir))
        return PK_NONE;
    const char *ext;
    long i = parse_obj(slash + 1, &ext);
    holo_pack_index idx;
    if (i < 0 || holo_pack_read_index(cdir, &idx, NULL) < 0)
        return PK_INSIDE;
    int ok = (size_t)i < idx.n_objects &&
             strcmp(ext, idx.objects[i].kind == HOLO_KIND_AUDIO ? "wav" : "png") == 0;
    holo_pack_index_free(&idx);
    if (!ok)
        return PK_INSIDE;
    *index = (size_t)i;
    return PK_OBJECT;
}

uint64_t pk_decode_estimate(const holo_pack_index *idx, size_t i)
{
    uint64_t resid = idx->total_residual, view = pk_size(idx, i);
    if (resid > UINT64_MAX / 4 || view > UINT64_MAX / 4)
        return UINT64_MAX;
    return 2 * resid + 2 * view;   /* both are capped when the manifest is read */
}

int pk_load(const char *cdir, size_t i, uint8_t **buf, size_t *len, holo_err *err)
{
    holo_decoded d;
    memset(&d, 0, sizeof d);
    int rc = holo_unpack(cdir, i, NULL, &d, err);
    if (rc == 0)
        rc = holo_view_render(&d, d.info.kind == HOLO_KIND_AUDIO ? HOLO_VIEW_WAV
                                                                 : HOLO_VIEW_STORED_PNG,
                              buf, len, err);
    holo_decoded_free(&d);
    return rc == 0 ? 0 : -holo_errno(err);
}
