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
    o->batches[0] = 1;
    o->batches[1] = 8;
    o->n_batches = 2;
    o->seed = 1;
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

/* Reads whole messages until every writer has closed the pipe. */
static int drain(int fd, bench_results *r, char *first_error, size_t cap, errbuf *e) {
    bench_msg m;
    for (;;) {
        size_t got = 0;
        while (got < sizeof m) {
            ssize_t n = read(fd, (char *)&m + got, sizeof m - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return err_errno(e, "reading bench results from a child process");
            if (n == 0) {
                if (got == 0) return 0;
                return err_set(e, "a bench child process sent a truncated message (%zu of %zu bytes)", got, sizeof m);
            }
            got += (size_t)n;
        }
        if (m.type == BENCH_MSG_POINT) {
            if (bench_results_merge(r, &m.point, e) != 0) return -1;
        } else if (m.type == BENCH_MSG_ERROR) {
            if (!first_error[0]) snprintf(first_error, cap, "%s", m.error);
        } else {
            return err_set(e, "a bench child process sent an unknown message type %d", m.type);
        }
    }
}

/* Forks the child for (model mi, length len) and collects what it sends. */
static int run_child(const bench_opts *o, int mi, const char *label, long len, bench_results *r, errbuf *e) {
    int fds[2];
    if (pipe(fds) != 0) return err_errno(e, "creating a pipe for the bench child");
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_errno(e, "fork for %s at length %ld", label, len);
    }
    if (pid == 0) {
        close(fds[0]);
        int rc = bench_child_main(o, mi, len, fds[1]);
        /* _exit, not exit: the child must not run the parent's atexit
         * handlers or flush its stdio buffers a second time. */
        _exit(rc);
    }
    close(fds[1]);
    char child_error[ERRBUF_BYTES] = "";
    int rc = drain(fds[0], r, child_error, sizeof child_error, e);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return err_errno(e, "waiting for the bench child of %s at length %ld", label, len);
    }
    if (rc != 0) return -1;
    if (child_error[0]) return err_set(e, "%s", child_error);
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
        r->interrupted = 1;
        return err_set(e, "%s at length %ld: interrupted (signal %d)", label, len, WTERMSIG(status));
    }
    if (WIFSIGNALED(status))
        return err_set(e, "%s at length %ld: the bench process was killed by signal %d%s", label, len,
                       WTERMSIG(status), WTERMSIG(status) == SIGKILL ? " (out of memory? try a smaller --mem-budget)" : "");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err_set(e, "%s at length %ld: the bench process failed (exit status %d)", label, len,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
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
        for (int mi = 0; mi < o->n_models; mi++) {
            char label[BENCH_LABEL_BYTES];
            if (o->models[mi].label) snprintf(label, sizeof label, "%s", o->models[mi].label);
            else bench_default_label(o->models[mi].dir, label, sizeof label);
            for (int li = 0; li < n_lens; li++) {
                if (o->rounds > 1)
                    progress(o, "round %d of %d: %s: length %ld (%d of %d)", round, o->rounds, label, lens[li], li + 1,
                             n_lens);
                else progress(o, "%s: length %ld (%d of %d)", label, lens[li], li + 1, n_lens);
                if (run_child(o, mi, label, lens[li], r, e) != 0) return -1;
            }
        }
    return 0;
}
