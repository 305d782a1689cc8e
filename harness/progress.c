#include "harness/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "common/clock.h"

#define PROGRESS_TTY_INTERVAL_NS 200000000ull   /* redraw 5 times a second */
#define PROGRESS_LOG_INTERVAL_NS 5000000000ull  /* a log line every 5 s */

void progress_init(progress *p, const char *label, int quiet) {
    p->label = label;
    p->start_ns = p->last_ns = clock_now_ns();
    p->tty = isatty(2);
    p->interval_ns = p->tty ? PROGRESS_TTY_INTERVAL_NS : PROGRESS_LOG_INTERVAL_NS;
    p->quiet = quiet;
    p->drawn = 0;
}

void progress_format_duration(double s, char *buf, int cap) {
    if (s < 0 || s != s) s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, (size_t)cap, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60) snprintf(buf, (size_t)cap, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, (size_t)cap, "%lds", t);
}

void progress_update(progress *p, const char *what, long done, long total, long tokens) {
    if (p->quiet) return;
    uint64_t now = clock_now_ns();
    if (done < total && now - p->last_ns < p->interval_ns) return;
    p->last_ns = now;
    double el = (now - p->start_ns) * 1e-9;
    char eta[32] = "?", elapsed[32];
    if (done > 0 && total > done) progress_format_duration(el * (double)(total - done) / (double)done, eta, sizeof eta);
    progress_format_duration(el, elapsed, sizeof elapsed);
    char rate[48] = "";
    if (tokens > 0 && el > 0) snprintf(rate, sizeof rate, ", %.0f tok/s", tokens / el);
    fprintf(stderr, "%s%s: %s %ld/%ld%s, %s elapsed%s%s%s", p->tty ? "\r\033[K" : "", p->label, what, done, total,
            rate, elapsed, done < total ? ", ETA " : "", done < total ? eta : "", p->tty ? "" : "\n");
    p->drawn = p->tty;
    fflush(stderr);
}

void progress_end(progress *p) {
    if (p->drawn) fputc('\n', stderr);
    p->drawn = 0;
}
