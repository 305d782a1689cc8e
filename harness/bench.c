/* harness/bench.c: the sweep's options, results and the parent's side of
 * the process tree (bench.h explains why each length runs in a child). */
#include "harness/bench.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/bench_impl.h"
#include "model/model.h"

_Static_assert(sizeof(bench_msg) < 4096, "a bench message must fit one atomic pipe write (PIPE_BUF)");

const char *bench_kind_name(bench_kind k) {
    switch (k) {
    case BENCH_PREFILL: return "prefill";
    case BENCH_DECODE: return "decode";
    case BENCH_MAX_THROUGHPUT: return "max_throughput";
    case BENCH_MEMORY: return "memory";
    }
    return "?";
}

void bench_opts_default(bench_opts *o) {
    memset(o, 0, sizeof *o);
    o->reps = 5;
    o->rounds = 1;
    o->warmup = 1;
    o->decode_steps = 16;
    o->max_batch = 256;
    o->interleave = 1;
    o->batches[0] = 1;
    o->batches[1] = 8;
    o->n_batches = 2;
    o->seed = 1;
    o->roof_read_bytes_per_s = o->roof_f32_flops = o->roof_bf16_flops = NAN;
}

int bench_decode_steps(const bench_opts *o, long batch) {
    long steps = batch <= BENCH_STEPS_FULL_BATCH ? o->decode_steps
                                                 : (long)o->decode_steps * BENCH_STEPS_FULL_BATCH / batch;
    if (steps < BENCH_MIN_STEPS) steps = BENCH_MIN_STEPS;
    if (steps > o->decode_steps && o->decode_steps >= 1) steps = o->decode_steps;
    return (int)steps;
}

const char *bench_untrusted_reason(int reps, double median_s, double min_s, double max_s, char *buf, size_t cap) {
    if (reps <= 0) return NULL; /* memory points: nothing timed */
    if (reps < BENCH_MIN_TRUSTED_REPS) {
        snprintf(buf, cap, "%d rep%s (< %d)", reps, reps == 1 ? "" : "s", BENCH_MIN_TRUSTED_REPS);
        return buf;
    }
    if (!(median_s > 0) || !isfinite(min_s) || !isfinite(max_s)) {
        snprintf(buf, cap, "no valid timing");
        return buf;
    }
    double spread = (max_s - min_s) / median_s;
    if (spread > BENCH_MAX_TRUSTED_SPREAD) {
        snprintf(buf, cap, "spread %.0f%% (> %.0f%%)", 100 * spread, 100 * BENCH_MAX_TRUSTED_SPREAD);
        return buf;
    }
    return NULL;
}

int64_t bench_expected_bytes(const bench_point *p) {
    long b = p->batch > 0 ? p->batch : 0;
    return p->weight_bytes + b * p->state_bytes_per_seq;
}

long bench_fit_batch(int64_t budget_bytes, int64_t weight_bytes, int64_t state_bytes) {
    if (budget_bytes <= weight_bytes || state_bytes <= 0) return 0;
    int64_t n = (budget_bytes - weight_bytes) / state_bytes;
    return n > 1L << 30 ? 1L << 30 : (long)n;
}

void bench_results_init(bench_results *r) { memset(r, 0, sizeof *r); }

void bench_results_deinit(bench_results *r) {
    free(r->points);
    memset(r, 0, sizeof *r);
}

int bench_results_add(bench_results *r, const bench_point *p, errbuf *e) {
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 32;
        bench_point *np = realloc(r->points, (size_t)cap * sizeof *np);
        if (!np) return err_set(e, "out of memory storing %d bench points", cap);
        r->points = np;
        r->cap = cap;
    }
    r->points[r->n++] = *p;
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void bench_point_stats(bench_point *p) {
    int n = p->n_times;
    if (n <= 0) return;
    double s[BENCH_MAX_TIMES];
    memcpy(s, p->times_s, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    p->min_s = s[0];
    p->max_s = s[n - 1];
    p->median_s = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    p->tok_per_s = p->median_s > 0 ? p->tokens_per_rep / p->median_s : NAN;
    p->reps = n;
}

static double frac(double work, double median_s, double limit) {
    if (!(work > 0) || !(median_s > 0) || !(limit > 0)) return NAN; /* NAN compares false */
    return work / median_s / limit;
}

double bench_frac_bandwidth(const bench_point *p, double read_bytes_per_s) {
    return frac(p->bytes_per_rep, p->median_s, read_bytes_per_s);
}

double bench_frac_flops(const bench_point *p, double flops_per_s) {
    return frac(p->flops_per_rep, p->median_s, flops_per_s);
}

int bench_bound_by_bandwidth(const bench_point *p) {
    return p->kind == BENCH_DECODE || p->kind == BENCH_MAX_THROUGHPUT;
}

int bench_results_merge(bench_results *r, const bench_point *p, errbuf *e) {
    for (int i = 0; i < r->n; i++) {
        bench_point *q = &r->points[i];
        if (q->model_idx != p->model_idx || q->kind != p->kind || q->prompt_len != p->prompt_len ||
            q->gen_len != p->gen_len || q->batch != p->batch)
            continue;
        for (int k = 0; k < p->n_times && q->n_times < BENCH_MAX_TIMES; k++) q->times_s[q->n_times++] = p->times_s[k];
        bench_point_stats(q);
        if (p->peak_rss_bytes > q->peak_rss_bytes) q->peak_rss_bytes = p->peak_rss_bytes;
        return 0;
    }
    return bench_results_add(r, p, e);
}

int bench_parse_bytes(const char *text, int64_t *bytes, errbuf *e) {
    if (!text || !*text) return err_set(e, "expected a size such as 512M or 8G, got an empty value");
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || !isfinite(v) || v < 0)
        return err_set(e, "expected a size such as 512M or 8G, got '%s'", text);
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && *end == 'i') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return err_set(e, "expected a size such as 512M or 8G (suffixes K, M, G, T), got '%s'", text);
    double b = v * mult;
    if (b >= 9.0e18) return err_set(e, "size '%s' is too large", text);
    *bytes = (int64_t)b;
    return 0;
}

void bench_default_label(const char *dir, char *out, size_t cap) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/') start--;
    snprintf(out, cap, "%.*s", (int)(n - start), dir + start);
}

int bench_sorted_unique(const long *xs, int n, long *out) {
    int m = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < m && out[j] < xs[i]) j++;
        if (j < m && out[j] == xs[i]) continue;
        memmove(out + j + 1, out + j, (size_t)(m - j) * sizeof *out);
        out[j] = xs[i];
        m++;
    }
    return m;
}

int bench_has_len(const long *xs, int n, long len) {
    for (int i = 0; i < n; i++)
        if (xs[i] == len) return 1;
    return 0;
}

static int check_opts(const bench_opts *o, errbuf *e) {
    if (o->n_models < 1) return err_set(e, "no model to benchmark (give --model DIR)");
    if (o->n_models > BENCH_MAX_MODELS) return err_set(e, "%d models: at most %d", o->n_models, BENCH_MAX_MODELS);
    if (o->n_prompt_lens + o->n_gen_lens < 1) return err_set(e, "no lengths to measure (prompt and gen lengths are both empty)");
    if (o->n_prompt_lens > BENCH_MAX_LENS || o->n_gen_lens > BENCH_MAX_LENS)
        return err_set(e, "at most %d prompt and %d gen lengths", BENCH_MAX_LENS, BENCH_MAX_LENS);
    for (int i = 0; i < o->n_prompt_lens; i++)
        if (o->prompt_lens[i] < 1) return err_set(e, "prompt length %ld: must be at least 1", o->prompt_lens[i]);
    for (int i = 0; i < o->n_gen_lens; i++)
        if (o->gen_lens[i] < 1) return err_set(e, "gen length %ld: must be at least 1", o->gen_lens[i]);
    if (o->n_gen_lens > 0 && (o->n_batches < 1 || o->n_batches > BENCH_MAX_BATCHES))
        return err_set(e, "%d batch sizes: need 1 to %d", o->n_batches, BENCH_MAX_BATCHES);
    for (int i = 0; i < o->n_batches; i++)
        if (o->batches[i] < 1) return err_set(e, "batch %ld: must be at least 1", o->batches[i]);
    if (o->reps < 1) return err_set(e, "reps %d: must be at least 1", o->reps);
    if (o->rounds < 1) return err_set(e, "rounds %d: must be at least 1", o->rounds);
    if ((long)o->reps * o->rounds > BENCH_MAX_TIMES)
        return err_set(e, "%d reps x %d rounds: at most %d repetitions per point", o->reps, o->rounds, BENCH_MAX_TIMES);
    if (o->warmup < 0) return err_set(e, "warmup %d: must be 0 or more", o->warmup);
    if (o->decode_steps < 1) return err_set(e, "decode steps %d: must be at least 1", o->decode_steps);
    if (o->max_batch < 1) return err_set(e, "max batch %ld: must be at least 1", o->max_batch);
    if (o->mem_budget_bytes < 0) return err_set(e, "memory budget must not be negative");
    return 0;
}

static void progress(const bench_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const bench_opts *o, const char *fmt, ...) {
    if (!o->progress) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->progress(o->progress_arg, line);
}

/* One child process: (model, length), its result and command pipes. */
typedef struct child_proc {
    pid_t pid;
    int res_fd, cmd_fd; /* -1 once closed */
    long len;
    char label[BENCH_LABEL_BYTES];
    char error[ERRBUF_BYTES]; /* the first error it sent */
} child_proc;

/* Reads one whole message: 1, or 0 at end of file, or -1 on error. */
static int read_msg(int fd, bench_msg *m, errbuf *e) {
    size_t got = 0;
    while (got < sizeof *m) {
        ssize_t n = read(fd, (char *)m + got, sizeof *m - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return err_errno(e, "reading bench results from a child process");
        if (n == 0) {
            if (got == 0) return 0;
            return err_set(e, "a bench child process sent a truncated message (%zu of %zu bytes)", got, sizeof *m);
        }
        got += (size_t)n;
    }
    if (m->type != BENCH_MSG_POINT && m->type != BENCH_MSG_ERROR && m->type != BENCH_MSG_READY)
        return err_set(e, "a bench child process sent an unknown message type %d", m->type);
    return 1;
}

/* Handles messages until READY (until_ready), one POINT (!until_ready) or
 * the end of the pipe. Returns 1 when that happened, 0 at end of file, -1
 * on a read error. Points are pooled into r; errors kept in cp->error. */
static int pump(child_proc *cp, bench_results *r, int until_ready, errbuf *e) {
    bench_msg m;
    for (;;) {
        int got = read_msg(cp->res_fd, &m, e);
        if (got <= 0) return got;
        if (m.type == BENCH_MSG_ERROR) {
            if (!cp->error[0]) snprintf(cp->error, sizeof cp->error, "%s", m.error);
        } else if (m.type == BENCH_MSG_READY) {
            if (until_ready) return 1;
        } else {
            if (bench_results_merge(r, &m.point, e) != 0) return -1;
            if (!until_ready) return 1;
        }
    }
}

/* Closes the child's command pipe (it then ends), reads what is left and
 * reaps it. Returns 0, or -1 with the child's error or how it ended. */
static int finish(child_proc *cp, bench_results *r, errbuf *e) {
    if (cp->pid <= 0) return 0;
    if (cp->cmd_fd >= 0) close(cp->cmd_fd);
    cp->cmd_fd = -1;
    errbuf re;
    int rc = 0;
    while ((rc = pump(cp, r, 0, &re)) == 1) {
    }
    close(cp->res_fd);
    cp->res_fd = -1;
    int status = 0;
    pid_t pid = cp->pid;
    cp->pid = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_errno(e, "waiting for the bench child of %s at length %ld", cp->label, cp->len);
    if (rc < 0) return err_set(e, "%s", re.msg);
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
        r->interrupted = 1;
        return err_set(e, "%s at length %ld: interrupted (signal %d)", cp->label, cp->len, WTERMSIG(status));
    }
    if (cp->error[0]) return err_set(e, "%s", cp->error);
    if (WIFSIGNALED(status))
        return err_set(e, "%s at length %ld: the bench process was killed by signal %d%s", cp->label, cp->len,
                       WTERMSIG(status), WTERMSIG(status) == SIGKILL ? " (out of memory? try a smaller --mem-budget)" : "");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err_set(e, "%s at length %ld: the bench process failed (exit status %d)", cp->label, cp->len,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* Forks the child for (model mi, length len) and reads until it is READY.
 * others[0..n_others) are the live children: the new one closes its copies
 * of their pipes, or they would never see their command pipe close. */
static int spawn(const bench_opts *o, int mi, const char *label, long len, child_proc *others, int n_others,
                 child_proc *cp, bench_results *r, errbuf *e) {
    memset(cp, 0, sizeof *cp);
    cp->res_fd = cp->cmd_fd = -1;
    cp->len = len;
    snprintf(cp->label, sizeof cp->label, "%s", label);
    int res[2], cmd[2];
    if (pipe(res) != 0) return err_errno(e, "creating a pipe for the bench child");
    if (pipe(cmd) != 0) {
        close(res[0]);
        close(res[1]);
        return err_errno(e, "creating a pipe for the bench child");
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(res[0]);
        close(res[1]);
        close(cmd[0]);
        close(cmd[1]);
        return err_errno(e, "fork for %s at length %ld", label, len);
    }
    if (pid == 0) {
        close(res[0]);
        close(cmd[1]);
        for (int i = 0; i < n_others; i++) {
            if (others[i].res_fd >= 0) close(others[i].res_fd);
            if (others[i].cmd_fd >= 0) close(others[i].cmd_fd);
        }
        int rc = bench_child_main(o, mi, len, res[1], cmd[0]);
        /* _exit, not exit: the child must not run the parent's atexit
         * handlers or flush its stdio buffers a second time. */
        _exit(rc);
    }
    close(res[1]);
    close(cmd[0]);
    cp->pid = pid;
    cp->res_fd = res[0];
    cp->cmd_fd = cmd[1];
    int got = pump(cp, r, 1, e);
    if (got == 1) return 0;
    errbuf fe;
    if (finish(cp, r, &fe) != 0) *e = fe; /* how it ended says more than the read */
    else if (got == 0) err_set(e, "%s at length %ld: the bench process ended early", label, len);
    return -1;
}

/* One repetition of every decode point of every length, in turn. */
static int decode_round(const bench_opts *o, child_proc *cps, int n, bench_results *r, errbuf *e) {
    for (int i = 0; i < n; i++) {
        if (!bench_has_len(o->gen_lens, o->n_gen_lens, cps[i].len)) continue;
        for (int bi = 0; bi < o->n_batches; bi++) {
            bench_cmd cmd = {.batch = o->batches[bi]};
            if (write(cps[i].cmd_fd, &cmd, sizeof cmd) != (ssize_t)sizeof cmd)
                return err_errno(e, "%s at length %ld: sending a command", cps[i].label, cps[i].len);
            int got = pump(&cps[i], r, 0, e);
            if (got != 1 || cps[i].error[0]) {
                if (got < 0) return -1;
                errbuf fe;
                if (finish(&cps[i], r, &fe) != 0) *e = fe;
                else err_set(e, "%s at length %ld: the bench process ended early", cps[i].label, cps[i].len);
                return -1;
            }
        }
    }
    return 0;
}

/* The sweep of one model in one round. */
static int run_model(const bench_opts *o, int mi, int round, const long *lens, int n_lens, bench_results *r,
                     errbuf *e) {
    char label[BENCH_LABEL_BYTES];
    if (o->models[mi].label) snprintf(label, sizeof label, "%s", o->models[mi].label);
    else bench_default_label(o->models[mi].dir, label, sizeof label);
    char where[64] = "";
    if (o->rounds > 1) snprintf(where, sizeof where, "round %d of %d: ", round, o->rounds);
    child_proc cps[2 * BENCH_MAX_LENS];
    int n = 0, rc = 0;
    for (int li = 0; li < n_lens && rc == 0; li++) {
        progress(o, "%s%s: length %ld (%d of %d)", where, label, lens[li], li + 1, n_lens);
        rc = spawn(o, mi, label, lens[li], cps, n, &cps[n], r, e);
        if (rc == 0) n++;
        /* Not interleaving: the child has measured everything; let it go so
         * only one holds memory at a time. */
        if (rc == 0 && !o->interleave) rc = finish(&cps[n - 1], r, e);
    }
    if (rc == 0 && o->interleave && o->n_gen_lens > 0) {
        for (int rep = 1; rep <= o->reps && rc == 0; rep++) {
            progress(o, "%s%s: decode repetition %d of %d, in turn at %d length%s", where, label, rep, o->reps,
                     o->n_gen_lens, o->n_gen_lens == 1 ? "" : "s");
            rc = decode_round(o, cps, n, r, e);
        }
        for (int i = 0; rc == 0 && i < r->n; i++) {
            const bench_point *p = &r->points[i];
            if (p->model_idx == mi && p->kind == BENCH_DECODE)
                progress(o, "%s: decode at %ld tokens, batch %ld: %.1f tok/s (median of %d)", label, p->gen_len,
                         p->batch, p->tok_per_s, p->reps);
        }
    }
    for (int i = 0; i < n; i++) {
        errbuf fe;
        if (finish(&cps[i], r, &fe) != 0 && rc == 0) {
            *e = fe;
            rc = -1;
        }
    }
    return rc;
}

int bench_run(const bench_opts *o, bench_results *r, errbuf *e) {
    if (check_opts(o, e) != 0) return -1;
    /* Load each model once here, so a broken directory fails before any
     * timing starts; the children load their own copy. */
    for (int mi = 0; mi < o->n_models; mi++) {
        model *m = model_load(o->models[mi].dir, NULL, e);
        if (!m) return err_prefix(e, "model %d", mi + 1);
        model_free(m);
    }
    long all[2 * BENCH_MAX_LENS], lens[2 * BENCH_MAX_LENS];
    int n_all = 0;
    for (int i = 0; i < o->n_prompt_lens; i++) all[n_all++] = o->prompt_lens[i];
    for (int i = 0; i < o->n_gen_lens; i++) all[n_all++] = o->gen_lens[i];
    int n_lens = bench_sorted_unique(all, n_all, lens);
    for (int round = 1; round <= o->rounds; round++)
        for (int mi = 0; mi < o->n_models; mi++)
            if (run_model(o, mi, round, lens, n_lens, r, e) != 0) return -1;
    return 0;
}
