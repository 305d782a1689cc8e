/* kernels/cpu/roofline.c: memory bandwidth and peak arithmetic probes.
 *
 * Read bandwidth: pool threads sum 1 MiB units of the buffer (taken from a
 * shared counter) with 64-byte loads into 8 independent accumulators (adds are far cheaper
 * than the loads, so the loop is bound by the memory system alone). The
 * buffer is first written by the same threads, so its pages are mapped and
 * local before timing.
 *
 * Arithmetic: each thread runs PEAK_CHAINS independent multiply-add chains
 * in registers. With a 4-5 cycle latency and up to two issue ports, 16
 * chains keep every port busy. The operands are chosen so the f32 values
 * stay finite and normal (no denormal slow path). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "kernels/cpu/simd_impl.h"
#include "kernels/roofline.h"

#define DEFAULT_READ_BYTES ((size_t)1 << 30)
#define DEFAULT_REPS 5
#define DEFAULT_PROBE_S 0.1
#define PEAK_CHAINS 16

K_AVX512 static long long read_avx512(const unsigned char *p, size_t n_lines) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    size_t i = 0;
    for (; i + 8 <= n_lines; i += 8) {
        const __m512i *q = (const __m512i *)(p + i * 64);
        a0 = _mm512_add_epi64(a0, _mm512_load_si512(q + 0));
        a1 = _mm512_add_epi64(a1, _mm512_load_si512(q + 1));
        a2 = _mm512_add_epi64(a2, _mm512_load_si512(q + 2));
        a3 = _mm512_add_epi64(a3, _mm512_load_si512(q + 3));
        a4 = _mm512_add_epi64(a4, _mm512_load_si512(q + 4));
        a5 = _mm512_add_epi64(a5, _mm512_load_si512(q + 5));
        a6 = _mm512_add_epi64(a6, _mm512_load_si512(q + 6));
        a7 = _mm512_add_epi64(a7, _mm512_load_si512(q + 7));
    }
    for (; i < n_lines; i++) a0 = _mm512_add_epi64(a0, _mm512_load_si512((const __m512i *)(p + i * 64)));
    a0 = _mm512_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)),
                          _mm512_add_epi64(_mm512_add_epi64(a4, a5), _mm512_add_epi64(a6, a7)));
    return _mm512_reduce_add_epi64(a0);
}

K_AVX2 static long long read_avx2(const unsigned char *p, size_t n_lines) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n_lines; i += 2) {
        const __m256i *q = (const __m256i *)(p + i * 64);
        a0 = _mm256_add_epi64(a0, _mm256_load_si256(q + 0));
        a1 = _mm256_add_epi64(a1, _mm256_load_si256(q + 1));
        if (i + 1 < n_lines) {
            a2 = _mm256_add_epi64(a2, _mm256_load_si256(q + 2));
            a3 = _mm256_add_epi64(a3, _mm256_load_si256(q + 3));
        }
    }
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    long long out[4];
    _mm256_storeu_si256((__m256i *)out, s);
    return out[0] + out[1] + out[2] + out[3];
}

static long long read_ref(const unsigned char *p, size_t n_lines) {
    const long long *q = (const long long *)p;
    long long s = 0;
    for (size_t i = 0; i < n_lines * 8; i++) s += q[i];
    return s;
}

/* Lines per unit a thread takes: 1 MiB. As the matrix products, threads
 * take units from a shared counter, so a descheduled thread (the machine may
 * be shared) does not hold the pass up: both sides of a paired ratio are
 * scheduled the same way. */
#define READ_UNIT_LINES 16384

typedef struct read_args {
    const kctx *k;
    const unsigned char *buf;
    size_t n_lines;
    volatile long long *sink;
    _Atomic long next;
} read_args;

static void read_task(void *arg, int ith, int nth) {
    (void)nth;
    read_args *a = arg;
    long long s = 0;
    for (;;) {
        const long u = atomic_fetch_add_explicit(&a->next, 1, memory_order_relaxed);
        const size_t lo = (size_t)u * READ_UNIT_LINES;
        if (lo >= a->n_lines) break;
        const unsigned char *p = a->buf + lo * 64;
        const size_t n = a->n_lines - lo < READ_UNIT_LINES ? a->n_lines - lo : READ_UNIT_LINES;
        switch (k_level(a->k)) {
        case K_ISA_AVX512: s += read_avx512(p, n); break;
        case K_ISA_AVX2: s += read_avx2(p, n); break;
        default: s += read_ref(p, n); break;
        }
    }
    a->sink[ith % 64] += s;
}

double k_roofline_read_pass(const kctx *k, const void *buf, size_t n_bytes) {
    volatile long long sink[64] = {0};
    read_args a = {k, buf, n_bytes / 64, sink, 0};
    uint64_t t0 = clock_now_ns();
    pool_run_any(k->pool, read_task, &a);
    return (double)(clock_now_ns() - t0) * 1e-9;
}

typedef struct fill_args {
    unsigned char *buf;
    size_t n_bytes;
} fill_args;

static void fill_task(void *arg, int ith, int nth) {
    fill_args *a = arg;
    long lo, hi;
    pool_split((long)(a->n_bytes / 64), ith, nth, &lo, &hi);
    memset(a->buf + (size_t)lo * 64, (int)(ith + 1), (size_t)(hi - lo) * 64);
}

/* ---- peak arithmetic ---- */

typedef k_peak_kind peak_kind;
#define PEAK_F32 K_PEAK_F32
#define PEAK_BF16 K_PEAK_BF16
#define PEAK_INT8 K_PEAK_INT8

/* One pass: n_iters rounds of PEAK_CHAINS (16) instructions on named
 * registers (an array would be spilled to memory at -O2); returns a value
 * that depends on every chain, so nothing is optimised away. */
#define CHAINS16(OP)                                                                                    \
    OP(a0) OP(a1) OP(a2) OP(a3) OP(a4) OP(a5) OP(a6) OP(a7) OP(a8) OP(a9) OP(a10) OP(a11) OP(a12) OP(a13) \
    OP(a14) OP(a15)
/* Distinct starting values: identical chains would be merged into one. */
#define DECL_F(ACC) ACC = init; init = NEXT(init);
#define SUM_ALL(ADD) ADD(ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))), \
                         ADD(ADD(ADD(a8, a9), ADD(a10, a11)), ADD(ADD(a12, a13), ADD(a14, a15))))

K_AVX512 static float peak_f32_avx512(long n_iters) {
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-3f);
    __m512 init = _mm512_set1_ps(1.0f);
#define NEXT(v) _mm512_add_ps(v, _mm512_set1_ps(1.0f))
    __m512 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
    CHAINS16(DECL_F)
#define FMA512(ACC) ACC = _mm512_fmadd_ps(ACC, m, c);
    for (long it = 0; it < n_iters; it++) { CHAINS16(FMA512) }
    return _mm512_reduce_add_ps(SUM_ALL(_mm512_add_ps));
}

K_AVX2 static float peak_f32_avx2(long n_iters) {
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-3f);
    __m256 init = _mm256_set1_ps(1.0f);
#undef NEXT
#define NEXT(v) _mm256_add_ps(v, _mm256_set1_ps(1.0f))
    __m256 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
    CHAINS16(DECL_F)
#define FMA256(ACC) ACC = _mm256_fmadd_ps(ACC, m, c);
    for (long it = 0; it < n_iters; it++) { CHAINS16(FMA256) }
    float out[8];
    _mm256_storeu_ps(out, SUM_ALL(_mm256_add_ps));
    return out[0] + out[7];
}

K_AVX512BF16 static float peak_bf16_avx512(long n_iters) {
    __m512 init = _mm512_set1_ps(1.0f);
#undef NEXT
#define NEXT(v) _mm512_add_ps(v, _mm512_set1_ps(1.0f))
    /* bf16 pairs of 2^-10: each instruction adds 2 * 2^-20 per lane. */
    const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3a80), y = (__m512bh)_mm512_set1_epi16(0x3a80);
    __m512 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
    CHAINS16(DECL_F)
#define DPBF(ACC) ACC = _mm512_dpbf16_ps(ACC, x, y);
    for (long it = 0; it < n_iters; it++) { CHAINS16(DPBF) }
    return _mm512_reduce_add_ps(SUM_ALL(_mm512_add_ps));
}

K_AVX512VNNI static float peak_int8_avx512(long n_iters) {
    __m512i init = _mm512_set1_epi32(1);
#undef NEXT
#define NEXT(v) _mm512_add_epi32(v, _mm512_set1_epi32(1))
    const __m512i x = _mm512_set1_epi8(1), y = _mm512_set1_epi8(1);
    __m512i a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
    CHAINS16(DECL_F)
#define DPBUSD(ACC) ACC = _mm512_dpbusd_epi32(ACC, x, y);
    for (long it = 0; it < n_iters; it++) { CHAINS16(DPBUSD) }
    return (float)_mm512_reduce_add_epi32(SUM_ALL(_mm512_add_epi32));
}

typedef struct peak_args {
    const kctx *k;
    peak_kind kind;
    long n_iters;
    volatile float sink[64];
} peak_args;

static void peak_task(void *arg, int ith, int nth) {
    (void)nth;
    peak_args *a = arg;
    float s = 0;
    int avx512 = k_level(a->k) == K_ISA_AVX512;
    switch (a->kind) {
    case PEAK_F32: s = avx512 ? peak_f32_avx512(a->n_iters) : peak_f32_avx2(a->n_iters); break;
    case PEAK_BF16: s = peak_bf16_avx512(a->n_iters); break;
    case PEAK_INT8: s = peak_int8_avx512(a->n_iters); break;
    }
    a->sink[ith % 64] += s;
}

/* Operations (a multiply-add counts 2) one instruction performs. */
static double ops_per_instr(const kctx *k, peak_kind kind) {
    int lanes32 = k_level(k) == K_ISA_AVX512 ? 16 : 8;
    switch (kind) {
    case PEAK_F32: return 2.0 * lanes32;
    case PEAK_BF16: return 2.0 * 2 * lanes32;
    case PEAK_INT8: return 2.0 * 4 * lanes32;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Best and median of reps passes, in 1e9 ops/s. */
static void peak_measure(const kctx *k, peak_kind kind, int reps, double probe_s, double *best, double *median) {
    const int nth = pool_n_threads(k->pool);
    peak_args a = {.k = k, .kind = kind, .n_iters = 1000};
    /* Calibrate: grow the pass until it takes a tenth of the target. */
    for (;;) {
        uint64_t t0 = clock_now_ns();
        pool_run(k->pool, peak_task, &a);
        double s = (double)(clock_now_ns() - t0) * 1e-9;
        if (s > probe_s / 10 || a.n_iters > (1L << 40)) {
            a.n_iters = (long)((double)a.n_iters * probe_s / (s > 1e-9 ? s : 1e-9));
            if (a.n_iters < 1) a.n_iters = 1;
            break;
        }
        a.n_iters *= 4;
    }
    double rates[64];
    if (reps > 64) reps = 64;
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = clock_now_ns();
        pool_run(k->pool, peak_task, &a);
        double s = (double)(clock_now_ns() - t0) * 1e-9;
        rates[r] = (double)a.n_iters * PEAK_CHAINS * ops_per_instr(k, kind) * nth / s * 1e-9;
    }
    qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
    *best = rates[reps - 1];
    *median = rates[reps / 2];
}

static int peak_supported(const kctx *k, peak_kind kind) {
    switch (kind) {
    case PEAK_F32: return k_level(k) >= K_ISA_AVX2;
    case PEAK_BF16: return k_level(k) == K_ISA_AVX512 && k->has_avx512_bf16;
    case PEAK_INT8: return k_level(k) == K_ISA_AVX512 && k->has_avx512_vnni;
    }
    return 0;
}

double k_roofline_peak_pass(const kctx *k, k_peak_kind kind, double seconds) {
    if (!peak_supported(k, kind)) return 0;
    double best, med;
    peak_measure(k, kind, 1, seconds, &best, &med);
    return best;
}

int k_roofline_measure(const kctx *k, const k_roofline_opts *opts, k_roofline *out, errbuf *e) {
    memset(out, 0, sizeof *out);
    size_t bytes = opts && opts->read_bytes ? opts->read_bytes : DEFAULT_READ_BYTES;
    bytes = (bytes + 63) / 64 * 64;
    int reps = opts && opts->reps > 0 ? opts->reps : DEFAULT_REPS;
    if (reps > 64) reps = 64;
    double probe_s = opts && opts->probe_s > 0 ? opts->probe_s : DEFAULT_PROBE_S;
    out->n_threads = pool_n_threads(k->pool);
    out->read_bytes = bytes;
    kctx_features(k, out->features, sizeof out->features);

    unsigned char *buf = aligned_alloc(64, bytes);
    if (!buf) return err_set(e, "roofline: cannot allocate the %zu-byte bandwidth buffer", bytes);
    fill_args f = {buf, bytes};
    pool_run(k->pool, fill_task, &f);
    double rates[64];
    k_roofline_read_pass(k, buf, bytes); /* warm-up: TLB, frequency */
    for (int r = 0; r < reps; r++) rates[r] = (double)bytes / k_roofline_read_pass(k, buf, bytes) * 1e-9;
    free(buf);
    qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
    out->read_gbps = rates[reps - 1];
    out->read_gbps_median = rates[reps / 2];

    if (peak_supported(k, PEAK_F32)) peak_measure(k, PEAK_F32, reps, probe_s, &out->f32_gflops, &out->f32_gflops_median);
    if (peak_supported(k, PEAK_BF16))
        peak_measure(k, PEAK_BF16, reps, probe_s, &out->bf16_gflops, &out->bf16_gflops_median);
    if (peak_supported(k, PEAK_INT8)) peak_measure(k, PEAK_INT8, reps, probe_s, &out->int8_gops, &out->int8_gops_median);
    return 0;
}
