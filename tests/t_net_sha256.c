/* t_net_sha256.c — SHA-256 (FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231) used by the
 * optional HNET tag, plus the published HODT HMAC vector as a cross-check. */
#include "tap.h"
#include "sha256.h"   /* moved to codec/common */
#include "../net/hexcap.h"
#include <stdlib.h>
#include <string.h>

static void hexs(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha(const void *msg, size_t len, const char *want, const char *what)
{
    uint8_t d[32];
    char h[65];
    sha256(msg, len, d);
    hexs(d, 32, h);
    is_str(h, want, "sha256 %s", what);
}

static void check_hmac(const uint8_t *key, size_t kl, const void *msg, size_t ml, const char *want,
                       const char *what)
{
    hmac_sha256_key k;
    uint8_t d[32];
    char h[65];
    hmac_sha256_init(&k, key, kl);
    hmac_sha256(&k, msg, ml, d);
    hexs(d, 32, h);
    is_str(h, want, "hmac-sha256 %s", what);
}

int main(void)
{
    plan(14);
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha(m2, strlen(m2), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              "448-bit message");
    /* one million 'a', fed in uneven pieces to exercise the block buffer */
    sha256_ctx c;
    uint8_t a[997], d[32];
    char h[65];
    memset(a, 'a', sizeof a);
    sha256_init(&c);
    size_t left = 1000000;
    for (size_t step = 1; left; step = step % 990 + 7) {
        size_t n = step < left ? step : left;
        sha256_update(&c, a, n);
        left -= n;
    }
    sha256_final(&c, d);
    hexs(d, 32, h);
    is_str(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 1M x 'a'");

    uint8_t k20[20], k131[131], k25[25], dd[50], cd[50];
    memset(k20, 0x0b, 20);
    check_hmac(k20, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
    check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");
    memset(k20, 0xaa, 20);
    memset(dd, 0xdd, 50);
    check_hmac(k20, 20, dd, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", "RFC 4231 case 3");
    for (int i = 0; i < 25; i++) k25[i] = (uint8_t)(i + 1);
    memset(cd, 0xcd, 50);
    check_hmac(k25, 25, cd, 50,
               "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", "RFC 4231 case 4");
    memset(k131, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(k131, 131, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "RFC 4231 case 6");
    const char *m7 = "This is a test using a larger than block-size key and a larger than block-size "
                     "data. The key needs to be hashed before being used by the HMAC algorithm.";
    check_hmac(k131, 131, m7, strlen(m7),
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", "RFC 4231 case 7");

    /* vectors/transport/hodt_datagrams.txt hmac_single: the tag is the last 32 bytes */
    const char *dg = "484f4454c45da5fabae44317c8745e0879825bf900000007000000010000000568656c6c6f"
                     "2a6be14fb0380719756dfe673d6108b9d45110165813ac21e3ce2d0ea2fa481d";
    uint8_t key[32], b[80];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
    size_t bl = strlen(dg) / 2;
    ok(hex_decode(dg, strlen(dg), b) == 0, "decode the published HODT HMAC datagram");
    hmac_sha256_key hk;
    hmac_sha256_init(&hk, key, 32);
    hmac_sha256(&hk, b, bl - 32, d);
    is_bytes(d, 32, b + bl - 32, 32, "HODT hmac_single tag reproduced");
    ok(hmac_equal(d, b + bl - 32, 32), "hmac_equal accepts equal tags");
    d[31] ^= 1;
    ok(!hmac_equal(d, b + bl - 32, 32), "hmac_equal rejects a one-bit difference");
    return done_testing();
}
