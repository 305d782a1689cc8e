/* common/half.h: bfloat16 and IEEE half storage types and their conversions.
 *
 * bf16 and f16 are storage formats for weights: values are widened to f32 in
 * registers, never copied into a second f32 array. Rounding to bf16 is
 * round-to-nearest-even, as torch's .to(torch.bfloat16). */
#ifndef GRIFFIN_COMMON_HALF_H
#define GRIFFIN_COMMON_HALF_H

#include <stdint.h>
#include <string.h>

typedef uint16_t bf16;
typedef uint16_t f16;

static inline float bf16_to_f32(bf16 h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline bf16 f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16)(u >> 16);
}

/* IEEE 754 binary16 -> binary32, exact (handles subnormals, inf, NaN). */
static inline float f16_to_f32(f16 h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t u;
    if (exp == 0) {
        if (mant == 0) {
            u = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do { e++; mant <<= 1; } while (!(mant & 0x400u));
            u = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
        }
    } else if (exp == 0x1f) {
        u = sign | 0x7f800000u | (mant << 13);
    } else {
        u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* binary32 -> binary16, round to nearest even, overflow to inf. */
static inline f16 f32_to_f16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t absu = u & 0x7fffffffu;
    if (absu > 0x7f800000u) return (f16)(sign | 0x7e00u);
    if (absu >= 0x477ff000u) return (f16)(sign | 0x7c00u); /* rounds past 65504 */
    if (absu < 0x38800000u) { /* result is subnormal or zero */
        if (absu < 0x33000000u) return (f16)sign;
        uint32_t e = absu >> 23;
        uint32_t m = (absu & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e; /* 14..24 */
        uint32_t half_m = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half_m & 1u))) half_m++;
        return (f16)(sign | half_m);
    }
    uint32_t r = absu + 0xfffu + ((absu >> 13) & 1u);
    return (f16)(sign | ((r - (112u << 23)) >> 13));
}

#endif
