/* harness/bench_measure.c: the measurements, run in the child process of one
 * (model, length) and in grandchildren forked from it.
 *
 * The child loads the model and, when the length has timed prefill points,
 * forks a grandchild that times them. When the length has decode points it
 * then brings one state to L (prefill in small calls, so the model's chunk
 * scratch is barely touched), stops its threads, and forks one grandchild per
 * decode point. Each grandchild starts from that state (copy-on-write), makes
 * its batch from it, and so owns exactly the weights it touches, its B states
 * and its own scratch: its peak resident memory is the point's. In
 * interleaved mode (bench.h) the decode points are not forked: the child
 * reports READY and then serves one decode repetition per command from the
 * parent, keeping a set of copies of its state per batch size. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/rng.h"
#include "harness/bench_impl.h"
#include "model/model.h"
#include "model/state.h"

/* Tokens per model_forward call while the child builds the state at L. The
 * engine's scratch is sized for its chunk (256 rows) but only the rows a
 * call uses are touched; small calls keep that memory out of the
 * grandchildren's resident set. Prefill is compute-bound, so the cost over
 * one big call is modest and untimed. */
#define BENCH_SNAPSHOT_ROWS 32

typedef struct child {
    const bench_opts *o;
    int mi;
    long len;
    int fd;
    model *m;
    state *snap;      /* the state at len (decode points) */
    bench_point base; /* label, arch, dtype, weights filled */
} child;

int bench_msg_send(int fd, const bench_msg *m) {
    const char *p = (const char *)m;
    size_t left = sizeof *m;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) return -1;
        p += n;
        left -= (size_t)n;
    }
    return 0;
}

int bench_reset_peak_rss(void) {
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0) return -1;
    int ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

static void progress(const child *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const child *c, const char *fmt, ...) {
    if (!c->o->progress) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->o->progress(c->o->progress_arg, line);
}

/* The clock repetitions are timed with: wall time, or this process's CPU
 * time (all its threads), which leaves out time other processes took from
 * it on a shared machine (bench.h, cpu_clock). */
static uint64_t now_ns(const bench_opts *o) {
    if (!o->cpu_clock) return clock_now_ns();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int send_error(const child *c, const char *what, const errbuf *e) {
    bench_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = BENCH_MSG_ERROR;
    snprintf(msg.error, sizeof msg.error, "%s at length %ld, %s: %s", c->base.label, c->len, what, e->msg);
    bench_msg_send(c->fd, &msg);
    return 1;
}

static int send_point(const child *c, const bench_point *p) {
    bench_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = BENCH_MSG_POINT;
    msg.point = *p;
    return bench_msg_send(c->fd, &msg);
}

/* Keeps the repetition times and sets median, min, max and tokens/s. */
static void set_times(bench_point *p, const double *t_s, int n, double tokens_per_rep) {
    p->tokens_per_rep = tokens_per_rep;
    p->n_times = n < BENCH_MAX_TIMES ? n : BENCH_MAX_TIMES;
    memcpy(p->times_s, t_s, (size_t)p->n_times * sizeof *t_s);
    bench_point_stats(p);
}

/* A decode repetition's work (p's batch, steps and length set): every step
 * reads the weights once and each sequence's state (the attention keys and
 * values it holds, the recurrent vectors). */
static void set_decode_work(bench_point *p, const model *m) {
    p->bytes_per_rep = (double)p->steps * ((double)p->weight_bytes + (double)p->batch * (double)p->state_bytes_per_seq);
    p->flops_per_rep = (double)p->batch * config_forward_flops(model_cfg(m), p->gen_len, p->steps, p->steps);
}

static void fill_tokens(int32_t *t, long n, int vocab, uint64_t seed) {
    rng r;
    rng_seed(&r, seed);
    for (long i = 0; i < n; i++) t[i] = (int32_t)(rng_next(&r) % (uint64_t)vocab);
}

static void set_backend(bench_point *p, const kctx *k, const pool *pl) {
    snprintf(p->backend, sizeof p->backend, "cpu-%s", kctx_variant(k));
    p->n_threads = pool_n_threads(pl);
}

/* ---- prefill: one forward pass over the whole prompt, from position 0 ---- */

static int prefill_point(child *c) {
    const bench_opts *o = c->o;
    errbuf e;
    pool *pl = pool_create(o->n_threads, &e);
    if (!pl) return send_error(c, "prefill", &e);
    kctx k;
    kctx_init(&k, pl, o->use_ref);
    const int V = model_cfg(c->m)->vocab_size;
    int32_t *toks = malloc((size_t)c->len * sizeof *toks);
    float *logits = malloc((size_t)V * sizeof *logits);
    double *t_s = malloc((size_t)o->reps * sizeof *t_s);
    state *s = state_create(c->m, &e);
    int rc = 1;
    if (!toks || !logits || !t_s || !s) {
        if (s) err_set(&e, "out of memory for a %ld-token prompt", c->len);
        send_error(c, "prefill", &e);
        goto done;
    }
    fill_tokens(toks, c->len, V, o->seed);
    model_seq q = {.st = s, .tokens = toks, .n_tokens = (int)c->len, .n_logits = 1, .logits = logits};
    for (int w = 0; w < o->warmup; w++) {
        state_reset(s);
        if (model_forward(c->m, &k, &q, 1, &e) != 0) {
            send_error(c, "prefill warm-up", &e);
            goto done;
        }
    }
    bench_reset_peak_rss();
    for (int r = 0; r < o->reps; r++) {
        state_reset(s);
        uint64_t t0 = now_ns(o);
        if (model_forward(c->m, &k, &q, 1, &e) != 0) {
            send_error(c, "prefill", &e);
            goto done;
        }
        t_s[r] = (double)(now_ns(o) - t0) * 1e-9;
    }
    bench_point p = c->base;
    p.kind = BENCH_PREFILL;
    p.prompt_len = c->len;
    p.gen_len = 0;
    p.batch = 1;
    p.steps = 0;
    set_times(&p, t_s, o->reps, (double)c->len);
    p.bytes_per_rep = (double)p.weight_bytes;
    p.flops_per_rep = config_forward_flops(model_cfg(c->m), 0, c->len, 1);
    p.peak_rss_bytes = (int64_t)clock_peak_rss_bytes();
    set_backend(&p, &k, pl);
    progress(c, "%s: prefill %ld tokens: %.1f tok/s", p.label, c->len, p.tok_per_s);
    rc = send_point(c, &p) == 0 ? 0 : 1;
done:
    state_free(s);
    free(t_s);
    free(logits);
    free(toks);
    pool_free(pl);
    return rc;
}

/* ---- decode: B sequences in lockstep from the state at L ---- */

typedef struct decode_job {
    bench_kind kind;  /* BENCH_DECODE or BENCH_MAX_THROUGHPUT */
    long batch;
    int emit_timed;   /* send the decode / max-throughput point */
    int emit_memory;  /* send the memory point (batch 1) */
} decode_job;

/* One lockstep step: every sequence gets one (random) token and its logits,
 * as a generator would before sampling. */
static int decode_step(model *m, const kctx *k, state **st, model_seq *seqs, int32_t *toks, float *logits, long B,
                       rng *r, errbuf *e) {
    const int V = model_cfg(m)->vocab_size;
    for (long b = 0; b < B; b++) {
        toks[b] = (int32_t)(rng_next(r) % (uint64_t)V);
        seqs[b] = (model_seq){.st = st[b], .tokens = &toks[b], .n_tokens = 1, .n_logits = 1,
                              .logits = logits + (size_t)b * V};
    }
    return model_forward(m, k, seqs, (int)B, e);
}

static int decode_point(child *c, const decode_job *j) {
    const bench_opts *o = c->o;
    const long B = j->batch;
    const int V = model_cfg(c->m)->vocab_size;
    const int steps = j->emit_timed ? bench_decode_steps(o, B) : BENCH_MIN_STEPS;
    const int reps = j->emit_timed ? o->reps : 1;
    const char *what = bench_kind_name(j->kind);
    errbuf e;
    pool *pl = pool_create(o->n_threads, &e);
    if (!pl) return send_error(c, what, &e);
    kctx k;
    kctx_init(&k, pl, o->use_ref);
    state **st = calloc((size_t)B, sizeof *st);
    model_seq *seqs = calloc((size_t)B, sizeof *seqs);
    int32_t *toks = malloc((size_t)B * sizeof *toks);
    float *logits = malloc((size_t)B * V * sizeof *logits);
    double *t_s = malloc((size_t)reps * sizeof *t_s);
    long n_made = 0;
    int rc = 1;
    if (!st || !seqs || !toks || !logits || !t_s) {
        err_set(&e, "out of memory for batch %ld", B);
        send_error(c, what, &e);
        goto done;
    }
    /* Sequence 0 is the child's state itself (this process's copy of it). */
    st[0] = c->snap;
    for (n_made = 1; n_made < B; n_made++) {
        st[n_made] = state_create(c->m, &e);
        if (!st[n_made] || state_copy(st[n_made], c->snap, &e) != 0) {
            if (st[n_made]) n_made++;
            err_prefix(&e, "state %ld of %ld", n_made, B);
            send_error(c, what, &e);
            goto done;
        }
    }
    rng r;
    rng_seed(&r, o->seed ^ 0x5eed);
    /* Warm-up: at least one step, which also lets a KV cache grow past L (a
     * one-off reallocation that is neither timed nor in the peak). */
    long warm_steps = (long)o->warmup * steps;
    if (warm_steps < 1) warm_steps = 1;
    for (long i = 0; i < warm_steps; i++)
        if (decode_step(c->m, &k, st, seqs, toks, logits, B, &r, &e) != 0) {
            send_error(c, what, &e);
            goto done;
        }
    bench_reset_peak_rss();
    for (int rep = 0; rep < reps; rep++) {
        uint64_t t0 = now_ns(o);
        for (int i = 0; i < steps; i++)
            if (decode_step(c->m, &k, st, seqs, toks, logits, B, &r, &e) != 0) {
                send_error(c, what, &e);
                goto done;
            }
        t_s[rep] = (double)(now_ns(o) - t0) * 1e-9;
    }
    int64_t peak = (int64_t)clock_peak_rss_bytes();
    bench_point p = c->base;
    p.kind = j->kind;
    p.prompt_len = c->len;
    p.gen_len = c->len;
    p.batch = B;
    p.steps = steps;
    p.peak_rss_bytes = peak > 0 ? peak : -1;
    p.mem_budget_bytes = j->kind == BENCH_MAX_THROUGHPUT ? o->mem_budget_bytes : -1;
    set_times(&p, t_s, reps, (double)B * steps);
    set_decode_work(&p, c->m);
    set_backend(&p, &k, pl);
    if (j->emit_memory) {
        bench_point mp = p;
        mp.kind = BENCH_MEMORY;
        mp.batch = 1;
        mp.reps = 0;
        mp.steps = 0;
        mp.n_times = 0;
        mp.tokens_per_rep = 0;
        mp.bytes_per_rep = mp.flops_per_rep = NAN;
        mp.median_s = mp.min_s = mp.max_s = mp.tok_per_s = NAN;
        mp.mem_budget_bytes = -1;
        progress(c, "%s: memory at %ld tokens: state %.2f MiB, peak resident %.1f MiB", mp.label, c->len,
                 mp.state_bytes_per_seq / 1048576.0, mp.peak_rss_bytes / 1048576.0);
        if (send_point(c, &mp) != 0) goto done;
    }
    if (j->emit_timed) {
        progress(c, "%s: %s at %ld tokens, batch %ld: %.1f tok/s", p.label, what, c->len, B, p.tok_per_s);
        if (send_point(c, &p) != 0) goto done;
    }
    rc = 0;
done:
    /* st[0] is the inherited state: this process ends right after, and the
     * child still owns its own copy. */
    for (long i = 1; i < n_made && st; i++) state_free(st[i]);
    free(t_s);
    free(logits);
    free(toks);
    free(seqs);
    free(st);
    pool_free(pl);
    return rc;
}

/* ---- the process tree ---- */

typedef int (*grandchild_fn)(child *c, const void *arg);

/* A measuring process must not outlive the one waiting for its results
 * (the parent may be killed); and it takes Ctrl-C's default action even
 * where the parent ignores it (bench.h). */
static void die_with_parent(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static int run_prefill(child *c, const void *arg) {
    (void)arg;
    return prefill_point(c);
}

static int run_decode(child *c, const void *arg) { return decode_point(c, arg); }

/* Runs fn in a forked grandchild and waits for it. The caller must have no
 * threads running (its pool is freed), so the fork copies a quiet process. */
static int in_grandchild(child *c, const char *what, grandchild_fn fn, const void *arg) {
    pid_t pid = fork();
    if (pid < 0) {
        errbuf e;
        err_errno(&e, "fork");
        return send_error(c, what, &e);
    }
    if (pid == 0) {
        die_with_parent();
        _exit(fn(c, arg)); /* _exit: see run_child in bench.c */
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        errbuf e;
        err_errno(&e, "waiting for the measuring process");
        return send_error(c, what, &e);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFSIGNALED(status)) {
        errbuf e;
        err_set(&e, "the measuring process was killed by signal %d%s", WTERMSIG(status),
                WTERMSIG(status) == 9 ? " (out of memory? try a smaller --mem-budget or --max-batch)" : "");
        return send_error(c, what, &e);
    }
    return 1; /* it sent its own error */
}

/* Brings c->snap to c->len tokens. */
static int build_snapshot(child *c) {
    const bench_opts *o = c->o;
    errbuf e;
    pool *pl = pool_create(o->n_threads, &e);
    if (!pl) return send_error(c, "setup", &e);
    kctx k;
    kctx_init(&k, pl, o->use_ref);
    const int V = model_cfg(c->m)->vocab_size;
    int32_t *toks = malloc((size_t)c->len * sizeof *toks);
    int rc = 1;
    c->snap = state_create(c->m, &e);
    if (!toks || !c->snap) {
        if (!toks) err_set(&e, "out of memory for %ld tokens", c->len);
        send_error(c, "setup", &e);
        goto done;
    }
    fill_tokens(toks, c->len, V, o->seed);
    progress(c, "%s: bringing a state to %ld tokens", c->base.label, c->len);
    for (long at = 0; at < c->len; at += BENCH_SNAPSHOT_ROWS) {
        long n = c->len - at < BENCH_SNAPSHOT_ROWS ? c->len - at : BENCH_SNAPSHOT_ROWS;
        model_seq q = {.st = c->snap, .tokens = toks + at, .n_tokens = (int)n, .n_logits = 0, .logits = NULL};
        if (model_forward(c->m, &k, &q, 1, &e) != 0) {
            send_error(c, "setup", &e);
            goto done;
        }
    }
    rc = 0;
done:
    free(toks);
    pool_free(pl);
    return rc;
}

/* glibc raises its mmap threshold (up to 32 MB) each time a large block is
 * freed, after which state rings and scratch come from the heap and stay
 * resident once freed: a grandchild would then count its parent's freed
 * rings, and a KV cache's growth would leave its old copy behind. A fixed
 * threshold keeps every large block in its own mapping, returned on free,
 * so resident memory is what is live. This process (and its grandchildren)
 * only measure, so the setting cannot leak into anyone else's allocations. */
#define BENCH_MMAP_THRESHOLD_BYTES (128 * 1024)
#define BENCH_TRIM_THRESHOLD_BYTES (256 * 1024)

/* ---- interleaved decode repetitions, served on command ---- */

typedef struct batch_set {
    long batch;
    state **st;      /* batch copies of the state at L (the snapshot stays as it is) */
    model_seq *seqs;
    int32_t *toks;
    float *logits;
    rng r;
} batch_set;

static void batch_set_free(batch_set *bs) {
    for (long i = 0; bs->st && i < bs->batch; i++) state_free(bs->st[i]);
    free(bs->st);
    free(bs->seqs);
    free(bs->toks);
    free(bs->logits);
    memset(bs, 0, sizeof *bs);
}

/* Makes batch copies of the snapshot and runs the warm-up steps. */
static int batch_set_init(child *c, const kctx *k, batch_set *bs, long B, errbuf *e) {
    const int V = model_cfg(c->m)->vocab_size;
    memset(bs, 0, sizeof *bs);
    bs->st = calloc((size_t)B, sizeof *bs->st);
    bs->seqs = calloc((size_t)B, sizeof *bs->seqs);
    bs->toks = malloc((size_t)B * sizeof *bs->toks);
    bs->logits = malloc((size_t)B * V * sizeof *bs->logits);
    bs->batch = B;
    if (!bs->st || !bs->seqs || !bs->toks || !bs->logits) return err_set(e, "out of memory for batch %ld", B);
    for (long i = 0; i < B; i++) {
        bs->st[i] = state_create(c->m, e);
        if (!bs->st[i] || state_copy(bs->st[i], c->snap, e) != 0) return err_prefix(e, "state %ld of %ld", i + 1, B);
    }
    rng_seed(&bs->r, c->o->seed ^ 0x5eed ^ (uint64_t)B);
    long warm = (long)c->o->warmup * bench_decode_steps(c->o, B);
    if (warm < 1) warm = 1;
    for (long i = 0; i < warm; i++)
        if (decode_step(c->m, k, bs->st, bs->seqs, bs->toks, bs->logits, B, &bs->r, e) != 0) return -1;
    return 0;
}

/* Serves decode repetitions until the parent closes cmd_fd. */
static int serve(child *c, int cmd_fd) {
    const bench_opts *o = c->o;
    pool *pl = NULL;
    kctx k;
    batch_set sets[BENCH_MAX_BATCHES];
    int n_sets = 0, rc = 0;
    errbuf e;
    for (;;) {
        bench_cmd cmd;
        size_t got = 0;
        while (got < sizeof cmd) {
            ssize_t n = read(cmd_fd, (char *)&cmd + got, sizeof cmd - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (got < sizeof cmd) break; /* closed: the sweep is over */
        if (!c->snap || cmd.batch < 1) {
            err_set(&e, "asked for a decode repetition of batch %ld without a state", cmd.batch);
            rc = send_error(c, "decode", &e);
            break;
        }
        if (!pl) {
            /* No fork follows from here on, so threads are safe to start. */
            if (!(pl = pool_create(o->n_threads, &e))) {
                rc = send_error(c, "decode", &e);
                break;
            }
            kctx_init(&k, pl, o->use_ref);
        }
        batch_set *bs = NULL;
        for (int i = 0; i < n_sets; i++)
            if (sets[i].batch == cmd.batch) bs = &sets[i];
        if (!bs) {
            if (n_sets == BENCH_MAX_BATCHES) {
                err_set(&e, "more than %d batch sizes", BENCH_MAX_BATCHES);
                rc = send_error(c, "decode", &e);
                break;
            }
            bs = &sets[n_sets++];
            if (batch_set_init(c, &k, bs, cmd.batch, &e) != 0) {
                rc = send_error(c, "decode", &e);
                break;
            }
        }
        const int steps = bench_decode_steps(o, cmd.batch);
        uint64_t t0 = now_ns(o);
        for (int i = 0; i < steps && rc == 0; i++)
            if (decode_step(c->m, &k, bs->st, bs->seqs, bs->toks, bs->logits, cmd.batch, &bs->r, &e) != 0)
                rc = send_error(c, "decode", &e);
        if (rc) break;
        double t_s = (double)(now_ns(o) - t0) * 1e-9;
        bench_point p = c->base;
        p.kind = BENCH_DECODE;
        p.prompt_len = p.gen_len = c->len;
        p.batch = cmd.batch;
        p.steps = steps;
        p.peak_rss_bytes = -1; /* this process holds several batches: see bench.h */
        set_times(&p, &t_s, 1, (double)cmd.batch * steps);
        set_decode_work(&p, c->m);
        set_backend(&p, &k, pl);
        if (send_point(c, &p) != 0) {
            rc = 1;
            break;
        }
    }
    for (int i = 0; i < n_sets; i++) batch_set_free(&sets[i]);
    pool_free(pl);
    return rc;
}

int bench_child_main(const bench_opts *o, int mi, long len, int fd, int cmd_fd) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, BENCH_MMAP_THRESHOLD_BYTES);
    mallopt(M_TRIM_THRESHOLD, BENCH_TRIM_THRESHOLD_BYTES);
#endif
    die_with_parent();
    child c = {.o = o, .mi = mi, .len = len, .fd = fd};
    bench_point *b = &c.base;
    memset(b, 0, sizeof *b);
    b->model_idx = mi;
    if (o->models[mi].label) snprintf(b->label, sizeof b->label, "%s", o->models[mi].label);
    else bench_default_label(o->models[mi].dir, b->label, sizeof b->label);
    errbuf e;
    c.m = model_load(o->models[mi].dir, NULL, &e);
    if (!c.m) return send_error(&c, "loading the model", &e);
    const model_config *cfg = model_cfg(c.m);
    snprintf(b->arch, sizeof b->arch, "%s", cfg->arch == ARCH_GRIFFIN ? "griffin" : "gemma");
    snprintf(b->dtype, sizeof b->dtype, "%s", model_dtype_name(c.m));
    b->weight_bytes = (int64_t)model_weight_bytes(c.m);
    b->state_bytes_per_seq = (int64_t)model_state_bytes(c.m, len);
    b->peak_rss_bytes = -1;
    b->mem_budget_bytes = -1;
    kctx k0;
    kctx_init(&k0, NULL, o->use_ref);
    snprintf(b->backend, sizeof b->backend, "cpu-%s", kctx_variant(&k0));
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    b->n_threads = o->n_threads > 0 ? o->n_threads : (n_cpu > 0 ? (int)n_cpu : 1);
    int rc = 0;
    if (bench_has_len(o->prompt_lens, o->n_prompt_lens, len)) rc = in_grandchild(&c, "prefill", run_prefill, NULL);
    if (rc == 0 && bench_has_len(o->gen_lens, o->n_gen_lens, len)) {
        rc = build_snapshot(&c);
        int have_b1 = bench_has_len(o->batches, o->n_batches, 1);
        if (rc == 0 && (o->interleave || !have_b1)) {
            decode_job j = {BENCH_DECODE, 1, 0, 1};
            rc = in_grandchild(&c, "memory", run_decode, &j);
        }
        for (int bi = 0; rc == 0 && !o->interleave && bi < o->n_batches; bi++) {
            decode_job j = {BENCH_DECODE, o->batches[bi], 1, o->batches[bi] == 1};
            rc = in_grandchild(&c, "decode", run_decode, &j);
        }
        if (rc == 0 && o->mem_budget_bytes > 0) {
            long fit = bench_fit_batch(o->mem_budget_bytes, b->weight_bytes, b->state_bytes_per_seq);
            long B = fit < o->max_batch ? fit : o->max_batch;
            if (B >= 1) {
                decode_job j = {BENCH_MAX_THROUGHPUT, B, 1, 0};
                rc = in_grandchild(&c, "max_throughput", run_decode, &j);
            } else {
                bench_point p = c.base;
                p.kind = BENCH_MAX_THROUGHPUT;
                p.prompt_len = p.gen_len = len;
                p.batch = 0;
                p.median_s = p.min_s = p.max_s = p.tok_per_s = NAN;
                p.mem_budget_bytes = o->mem_budget_bytes;
                progress(&c, "%s: max_throughput at %ld tokens: not even one sequence fits the budget", b->label, len);
                rc = send_point(&c, &p) == 0 ? 0 : 1;
            }
        }
    }
    if (rc == 0) {
        bench_msg ready;
        memset(&ready, 0, sizeof ready);
        ready.type = BENCH_MSG_READY;
        rc = bench_msg_send(fd, &ready) == 0 ? serve(&c, cmd_fd) : 1;
    }
    state_free(c.snap);
    model_free(c.m);
    return rc;
}
