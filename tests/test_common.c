/* tests/test_common.c: the common/ helpers. */
#include <string.h>

#include "common/half.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "tests/test.h"

TEST(common_sha256_known_vectors) {
    char hex[65];
    sha256_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(m, strlen(m), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
    /* Streaming in odd pieces gives the same digest. */
    sha256_ctx c;
    unsigned char d1[32], d2[32];
    sha256_init(&c);
    for (size_t i = 0; i < strlen(m); i += 7) sha256_update(&c, m + i, strlen(m) - i < 7 ? strlen(m) - i : 7);
    sha256_final(&c, d1);
    sha256_init(&c);
    sha256_update(&c, m, strlen(m));
    sha256_final(&c, d2);
    CHECK(memcmp(d1, d2, 32) == 0);
}

TEST(common_bf16_f16_round_trip) {
    CHECK(bf16_to_f32(f32_to_bf16(1.0f)) == 1.0f);
    /* sqrt(80) = 8.944 rounds to 8.9375 in bf16 (golden README). */
    CHECK(bf16_to_f32(f32_to_bf16(8.94427191f)) == 8.9375f);
    /* Round to nearest even at the halfway point. */
    CHECK(f32_to_bf16(1.00390625f) == 0x3f80); /* 1 + 2^-8: tie, stays even */
    CHECK(f16_to_f32(f32_to_f16(0.5f)) == 0.5f);
    CHECK(f16_to_f32(f32_to_f16(65504.0f)) == 65504.0f);
    CHECK(f16_to_f32(0x0001) == 5.9604644775390625e-08f); /* smallest subnormal */
    CHECK(f32_to_f16(1e6f) == 0x7c00);
    for (int i = 0; i < 65536; i++) {
        f16 h = (f16)i;
        float f = f16_to_f32(h);
        if (f != f) continue;
        if (!CHECKF(f32_to_f16(f) == h, "f16 0x%04x -> %g -> 0x%04x", i, f, f32_to_f16(f))) break;
    }
}

TEST(common_strbuf_grows) {
    strbuf b;
    strbuf_init(&b);
    CHECK(strcmp(strbuf_str(&b), "") == 0);
    for (int i = 0; i < 1000; i++) strbuf_printf(&b, "%d,", i);
    CHECK(b.len == strlen(strbuf_str(&b)));
    CHECK(strncmp(strbuf_str(&b), "0,1,2,", 6) == 0);
    strbuf_deinit(&b);
}
