/* harness/bench_impl.h: what bench.c (the sweep, the parent) and
 * bench_measure.c (the child and grandchild processes) share. */
#ifndef GRIFFIN_HARNESS_BENCH_IMPL_H
#define GRIFFIN_HARNESS_BENCH_IMPL_H

#include "harness/bench.h"

/* A message on the pipe from a child or grandchild to the parent. Each is
 * written with one write() of fewer than PIPE_BUF bytes, so messages from
 * several processes never interleave. */
typedef enum bench_msg_type {
    BENCH_MSG_POINT = 1, /* a measured point */
    BENCH_MSG_ERROR = 2, /* the child failed; it ends after sending this */
    BENCH_MSG_READY = 3, /* the child's own points are done; it waits for commands */
} bench_msg_type;

typedef struct bench_msg {
    int type;
    bench_point point;
    char error[ERRBUF_BYTES];
} bench_msg;

/* A command from the parent to a child that is READY. */
typedef struct bench_cmd {
    long batch; /* time one decode repetition of this batch (interleaved mode) */
} bench_cmd;

/* Runs everything for model o->models[mi] at length L in the calling
 * process (a child forked by bench_run), writing points and errors to fd;
 * then sends READY and serves commands from cmd_fd (one decode point with
 * one repetition each) until the parent closes it. Returns the exit status
 * the child should end with (0 ok, 1 failed). */
int bench_child_main(const bench_opts *o, int mi, long len, int fd, int cmd_fd);

/* Sends a message; returns -1 if the pipe is gone. */
int bench_msg_send(int fd, const bench_msg *m);

/* Sets VmHWM back to the current resident size (/proc/self/clear_refs,
 * value 5); -1 where the kernel does not allow it. */
int bench_reset_peak_rss(void);

/* Sorted ascending copy of xs[0..n) without duplicates; returns the count. */
int bench_sorted_unique(const long *xs, int n, long *out);
int bench_has_len(const long *xs, int n, long len);

#endif
