/* common/clock.h: monotonic time and process memory readings. */
#ifndef GRIFFIN_COMMON_CLOCK_H
#define GRIFFIN_COMMON_CLOCK_H

#include <stdint.h>
#include <stddef.h>

/* Nanoseconds from a monotonic clock (CLOCK_MONOTONIC). */
uint64_t clock_now_ns(void);
/* Seconds since the epoch, wall clock (for timestamps in the store). */
double clock_wall_s(void);
/* Peak resident set size of this process so far, in bytes (VmHWM), or 0. */
size_t clock_peak_rss_bytes(void);
/* Current resident set size in bytes (VmRSS), or 0. */
size_t clock_rss_bytes(void);

#endif
