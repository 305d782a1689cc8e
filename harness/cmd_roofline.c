/* harness/cmd_roofline.c: `griffin roofline`, this machine's limits. */
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "kernels/roofline.h"

int cmd_roofline(cli_ctx *ctx, int argc, char **argv) {
    long threads = 0, read_mib = 1024, reps = 5;
    int json = 0;
    const cli_opt opts[] = {
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--read-mib", CLI_INT, &read_mib, "MIB", "bandwidth buffer, MiB (well above the L3 size)", 1, 1 << 20, 0},
        {"--reps", CLI_INT, &reps, "N", "passes per probe (best and median reported)", 1, 64, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", 1, 0, 0},
    };
    const cli_spec spec = {
        "roofline", "Measure memory read bandwidth and peak f32 / bf16 / int8 arithmetic with the engine's pool.",
        "griffin roofline [--threads N] [--read-mib MIB] [--reps N] [--json]",
        "Bandwidth: every thread streams its part of a buffer larger than the caches.\n"
        "Arithmetic: independent FMA (f32), vdpbf16ps (bf16) and vpdpbusd (int8) chains per thread;\n"
        "a multiply-add counts as 2 operations. 0 means the CPU lacks the instruction.\n\n"
        "Example:\n  griffin roofline --threads 2 --json",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    kctx k;
    kctx_init(&k, p, 0);
    k_roofline_opts o = {.read_bytes = (size_t)read_mib << 20, .reps = (int)reps};
    k_roofline r;
    errbuf e;
    fprintf(stderr, "griffin roofline: %d threads, %ld MiB buffer, %ld passes per probe...\n", pool_n_threads(p),
            read_mib, reps);
    if (k_roofline_measure(&k, &o, &r, &e) != 0) {
        cli_error("roofline", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    if (json) {
        printf("{\"threads\": %d, \"features\": \"%s\", \"read_bytes\": %zu, \"read_gbps\": %.3f, "
               "\"read_gbps_median\": %.3f, \"f32_gflops\": %.2f, \"f32_gflops_median\": %.2f, "
               "\"bf16_gflops\": %.2f, \"bf16_gflops_median\": %.2f, \"int8_gops\": %.2f, \"int8_gops_median\": %.2f}\n",
               r.n_threads, r.features, r.read_bytes, r.read_gbps, r.read_gbps_median, r.f32_gflops,
               r.f32_gflops_median, r.bf16_gflops, r.bf16_gflops_median, r.int8_gops, r.int8_gops_median);
    } else {
        printf("threads            %d\nfeatures           %s\n", r.n_threads, r.features);
        printf("%-18s %10s %10s\n", "probe", "best", "median");
        printf("%-18s %10.2f %10.2f  GB/s (%zu MiB buffer)\n", "read bandwidth", r.read_gbps, r.read_gbps_median,
               r.read_bytes >> 20);
        printf("%-18s %10.1f %10.1f  GFLOP/s\n", "f32 fma", r.f32_gflops, r.f32_gflops_median);
        printf("%-18s %10.1f %10.1f  GFLOP/s\n", "bf16 dot", r.bf16_gflops, r.bf16_gflops_median);
        printf("%-18s %10.1f %10.1f  GOP/s\n", "int8 dot", r.int8_gops, r.int8_gops_median);
    }
    return EXIT_OK;
}
