/* t_resample.c — Pillow-exact bicubic (doc/resample.md §Bicubic) and the thumbnail size rule.
 *
 *   HOLO_VECTORS=/work/shared/vectors prove -v build/tests/t_resample.t
 *
 * Checks the worked coefficient examples of doc/resample.md §Bicubic, thumbnail_sizes.json, every
 * image case of vectors/resample (thumbnail and upscale, byte for byte) and the Pillow PNG writer
 * on the same thumbnails (round trip).
 */
#include "tap.h"
#include "imageio.h"
#include "pngthumb.h"
#include "resample.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_q(uint32_t n, uint32_t m, uint32_t o, int32_t first, const int32_t *want,
                    int nw)
{
    holo_rs_axis a;
    if (!ok(holo_rs_axis_init(&a, n, m) == 0, "axis %u->%u", n, m)) return;
    int good = a.lo[o] == first && a.cnt[o] >= nw;
    for (int i = 0; good && i < nw; i++) good = a.q[o * a.ksize + i] == want[i];
    for (int i = nw; good && i < a.cnt[o]; i++) good = a.q[o * a.ksize + i] == 0;
    ok(good, "bicubic example %u->%u o=%u: first %d, q[0]=%d", n, m, o, a.lo[o],
       a.q[o * a.ksize]);
    holo_rs_axis_free(&a);
}

static void coefficient_examples(void)
{
    check_q(3, 7, 0, 0, (int32_t[]){4597602, -403298}, 2);
    check_q(3, 7, 1, 0, (int32_t[]){3799273, 429887, -34856}, 3);
    check_q(3, 7, 3, 0, (int32_t[]){0, 4194304, 0}, 3);
    check_q(3, 7, 6, 1, (int32_t[]){-403298, 4597602}, 2);
    check_q(7, 3, 0, 0, (int32_t[]){1606689, 1843464, 896363, 0, -135300, -16913}, 6);
    check_q(7, 3, 1, 0, (int32_t[]){-128031, 189486, 1157403, 1756589, 1157403, 189486,
                                    -128031}, 7);
    check_q(37, 16, 0, 0, (int32_t[]){1623977, 1851578, 877684, -12820, -133450, -12666}, 6);
    check_q(1, 9, 4, 0, (int32_t[]){4194304}, 1);
    /* The q_i are not renormalised: 7->3 output 0 sums to 2^22 - 1. */
    holo_rs_axis a;
    if (holo_rs_axis_init(&a, 7, 3) == 0) {
        long s = 0;
        for (int i = 0; i < a.cnt[0]; i++) s += a.q[i];
        is_int(s, 4194303, "7->3 o=0 weights sum to 4194303");
        holo_rs_axis_free(&a);
    }
}

static void thumb_sizes(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/thumbnail_sizes.json", tap_vectors());
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!ok(root && json_is_array(root), "load %s", path)) return;
    size_t i, bad = 0;
    json_t *e;
    json_array_foreach(root, i, e) {
        uint32_t W = json_integer_value(json_object_get(e, "W"));
        uint32_t H = json_integer_value(json_object_get(e, "H"));
        uint32_t S = json_integer_value(json_object_get(e, "coarse_max_side"));
        uint32_t tw, th;
        holo_thumb_size(W, H, S, &tw, &th);
        if (tw != json_integer_value(json_object_get(e, "thumb_W")) ||
            th != json_integer_value(json_object_get(e, "thumb_H"))) {
            bad++;
            diag("%ux%u side %u -> %ux%u", W, H, S, tw, th);
        }
    }
    ok(i > 10 && bad == 0, "thumbnail_sizes.json: %zu rows, %zu wrong", i, bad);
    json_decref(root);
    uint32_t tw, th;
    holo_thumb_size(32, 5, 16, &tw, &th);
    ok(tw == 16 && th == 2, "32x5 side 16 -> 16x2 (2.5 rounds to even)");
}

static int load(const char *name, holo_image *im)
{
    char path[4096];
    holo_err err;
    snprintf(path, sizeof path, "%s/resample/%s", tap_vectors(), name);
    int rc = holo_image_read(path, im, &err);
    if (rc) diag("%s", err.msg);
    return rc;
}

static void resample_cases(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/resample/cases.tsv", tap_vectors());
    FILE *f = fopen(path, "r");
    if (!ok(f != NULL, "open %s", path)) return;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char in[256], tp[256], up[256], s1[80], s2[80];
        unsigned w, h, side, tw, th;
        if (sscanf(line, "%255s %u %u %u %u %u %255s %79s %255s %79s", in, &w, &h, &side, &tw,
                   &th, tp, s1, up, s2) != 10)
            continue;
        n++;
        holo_image src, et, eu;
        if (load(in, &src) || load(tp, &et) || load(up, &eu)) {
            ok(0, "load %s", in);
            continue;
        }
        uint32_t gw, gh;
        holo_thumb_size(w, h, side, &gw, &gh);
        ok(gw == tw && gh == th && et.w == tw && et.h == th, "%s side %u: thumb %ux%u", in,
           side, gw, gh);
        uint8_t *t = malloc((size_t)tw * th * 3), *u = malloc((size_t)w * h * 3);
        is_int(holo_resize_rgb8(src.rgb, w, h, t, tw, th, 1), 0, "resize down");
        is_bytes(t, (size_t)tw * th * 3, et.rgb, (size_t)et.w * et.h * 3, "%s", tp);
        /* Upscale from the reference thumbnail, threaded, so a bad thumbnail does not mask it. */
        is_int(holo_resize_rgb8(et.rgb, tw, th, u, w, h, 2), 0, "resize up");
        is_bytes(u, (size_t)w * h * 3, eu.rgb, (size_t)eu.w * eu.h * 3, "%s", up);
        /* The Pillow-style thumbnail PNG decodes back to the same pixels. (Its bytes are
         * checked against real chunks in t_image: these vector PNGs were saved at level 9.) */
        uint8_t *png;
        size_t plen;
        holo_err err;
        holo_image back = {0};
        if (holo_pngthumb_write(et.rgb, tw, th, &png, &plen, &err) == 0 &&
            holo_image_decode(png, plen, tp, &back, &err) == 0) {
            is_bytes(back.rgb, (size_t)back.w * back.h * 3, et.rgb, (size_t)tw * th * 3,
                     "pngthumb round trip %s", tp);
        } else {
            ok(0, "pngthumb %s: %s", tp, err.msg);
        }
        free(png);
        holo_image_free(&back);
        free(t);
        free(u);
        holo_image_free(&src);
        holo_image_free(&et);
        holo_image_free(&eu);
    }
    fclose(f);
    ok(n == 21, "%d resample cases", n);
}

/* Equal sizes copy; 1 pixel wide/tall images; a 1x1 source replicates exactly. */
static void edge_sizes(void)
{
    uint8_t px[3] = {10, 200, 77}, out[5 * 4 * 3];
    holo_resize_rgb8(px, 1, 1, out, 5, 4, 1);
    int same = 1;
    for (int i = 0; i < 20; i++) same &= !memcmp(out + 3 * i, px, 3);
    ok(same, "1x1 -> 5x4 replicates the pixel");
    uint8_t src[7 * 3], cp[7 * 3];
    for (int i = 0; i < 21; i++) src[i] = (uint8_t)(i * 37);
    holo_resize_rgb8(src, 7, 1, cp, 7, 1, 1);
    is_bytes(cp, 21, src, 21, "equal size is a copy");
    is_int(holo_resize_rgb8(src, 0, 1, cp, 7, 1, 1), -3, "zero width rejected");
    /* Constant images stay constant through any resize (weights sum to ~2^22). */
    uint8_t big[40 * 30 * 3], small[9 * 13 * 3];
    memset(big, 255, sizeof big);
    holo_resize_rgb8(big, 40, 30, small, 9, 13, 1);
    int all = 1;
    for (size_t i = 0; i < sizeof small; i++) all &= small[i] == 255;
    ok(all, "white 40x30 -> 9x13 stays white");
}

int main(void)
{
    plan(0);
    coefficient_examples();
    thumb_sizes();
    resample_cases();
    edge_sizes();
    return done_testing();
}
