/* harness/progress.h: progress lines on stderr for long work.
 *
 * At most one line per interval: "eval: hellaswag 120/1000 docs, 480/4000
 * requests, 812 tok/s, ETA 3m10s". On a terminal the line is redrawn in
 * place; otherwise (logs, CI) it is printed as a new line every few seconds. */
#ifndef GRIFFIN_HARNESS_PROGRESS_H
#define GRIFFIN_HARNESS_PROGRESS_H

#include <stdint.h>

typedef struct progress {
    const char *label;
    uint64_t start_ns, last_ns;
    uint64_t interval_ns;
    int tty;
    int quiet;
    int drawn; /* a line is on screen without its newline */
} progress;

void progress_init(progress *p, const char *label, int quiet);
/* Reports done/total units (and tokens for a rate); prints only when the
 * interval has passed, or when done == total. */
void progress_update(progress *p, const char *what, long done, long total, long tokens);
/* Ends the line, if one is drawn. */
void progress_end(progress *p);
/* "3m10s" into buf. */
void progress_format_duration(double seconds, char *buf, int cap);

#endif
