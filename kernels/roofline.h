/* kernels/roofline.h: this machine's limits, measured with the engine's pool.
 *
 * Decoding one token reads every weight once, so its speed is bounded by
 * memory read bandwidth; prefill multiplies matrices, so it is bounded by
 * arithmetic. k_roofline_measure measures both the way the kernels use the
 * machine: the pool threads stream 1 MiB units of a buffer much larger than
 * the caches (taken from a shared counter, as the matrix products take
 * theirs), and every thread runs independent chains of
 * the widest multiply-add the CPU has (f32 FMA, bf16 vdpbf16ps, int8
 * vpdpbusd). Throughput figures elsewhere are reported as fractions of
 * these, measured in the same run. */
#ifndef GRIFFIN_KERNELS_ROOFLINE_H
#define GRIFFIN_KERNELS_ROOFLINE_H

#include <stddef.h>

#include "common/err.h"
#include "kernels/kernels.h"

typedef struct k_roofline_opts {
    size_t read_bytes; /* buffer streamed; 0: 1 GiB (4x the largest L3 seen) */
    int reps;          /* passes per probe; 0: 5 */
    double probe_s;    /* seconds per arithmetic pass; 0: 0.1 */
} k_roofline_opts;

typedef struct k_roofline {
    int n_threads;
    char features[96];      /* kctx_features */
    size_t read_bytes;
    /* Memory read bandwidth, 1e9 bytes/s: best and median pass. */
    double read_gbps, read_gbps_median;
    /* Peak arithmetic, 1e9 ops/s (a multiply-add counts 2), best pass;
     * 0 when the CPU lacks the instruction. f32: 512-bit FMA (256-bit on
     * AVX2-only CPUs); bf16: vdpbf16ps; int8: vpdpbusd. */
    double f32_gflops, bf16_gflops, int8_gops;
    double f32_gflops_median, bf16_gflops_median, int8_gops_median;
} k_roofline;

/* Measures everything (about a second per GiB plus 1.5 s of arithmetic at
 * the defaults). opts may be NULL. Returns 0, or -1 when the buffer cannot
 * be allocated. */
int k_roofline_measure(const kctx *k, const k_roofline_opts *opts, k_roofline *out, errbuf *e);

/* Streams n_bytes at buf (64-byte aligned, a multiple of 64 bytes) once with
 * every pool thread, in 1 MiB units; returns seconds taken.
 * Exposed so benchmarks can re-measure bandwidth between kernel runs. */
double k_roofline_read_pass(const kctx *k, const void *buf, size_t n_bytes);

/* One short pass of a peak-arithmetic probe (about `seconds` long) with
 * every pool thread; returns 1e9 ops/s, or 0 when the CPU lacks the
 * instruction. For benchmarks that pair each timed run with the limit
 * measured right next to it (the machine may be shared). */
typedef enum k_peak_kind { K_PEAK_F32, K_PEAK_BF16, K_PEAK_INT8 } k_peak_kind;
double k_roofline_peak_pass(const kctx *k, k_peak_kind kind, double seconds);

#endif
