/* datasets/download.h: fetching dataset files over HTTP(S) with libcurl.
 *
 * Two kinds of source: a file at a URL, and a split of a Hugging Face dataset
 * read page by page from the datasets-server rows API
 * (GET <base>/rows?dataset=..&config=..&split=..&offset=..&length=100, whose
 * "rows"[i].row objects are already Hugging Face-shaped records).
 *
 * Both write to "<dest>.part", verify, fsync and rename to dest, so dest
 * either does not exist or is complete and verified; a failed verification
 * deletes the partial file. An interrupted download keeps "<dest>.part" and
 * the next attempt resumes it (an HTTP Range request for files, the next
 * offset for rows). "<dest>.lock" (flock) keeps two processes from writing
 * the same entry. Attempts that fail on the network (connect or transfer
 * errors, timeouts, HTTP 5xx and 429) are retried with exponential backoff
 * (429's Retry-After is honoured up to the backoff cap); other HTTP errors
 * fail at once. */
#ifndef GRIFFIN_DATASETS_DOWNLOAD_H
#define GRIFFIN_DATASETS_DOWNLOAD_H

#include "common/err.h"

#define DL_ROWS_PAGE 100 /* the most rows the datasets-server returns per request */

typedef void (*dl_progress_fn)(void *user, const char *what, long long done, long long total);

typedef struct dl_opts {
    long connect_timeout_ms;
    long low_speed_bytes_per_s; /* an attempt slower than this ... */
    long low_speed_time_s;      /* ... for this many seconds is aborted */
    int max_attempts;           /* per file or page, >= 1 */
    long backoff_initial_ms;    /* wait before the 2nd attempt; doubles after */
    long backoff_max_ms;
    dl_progress_fn progress;    /* may be NULL */
    void *progress_user;
} dl_opts;

/* The defaults: 15 s connect, 1 KiB/s for 30 s, 5 attempts, 1 s doubling up
 * to 30 s. */
void dl_opts_default(dl_opts *o);

/* What a download did, for tests and the fetch command. */
typedef struct dl_stats {
    int n_requests;          /* HTTP requests made, retries included */
    long long resumed_from;  /* byte offset (or row) of the last resumed request, -1 if none */
    long long n_bytes;       /* size of the finished file */
    long n_rows;             /* rows written (rows API) */
} dl_stats;

/* Downloads url to dest. sha256_hex (64 hex digits) or NULL; n_bytes the
 * expected size or -1; n_lines, when >= 0 and no checksum is given, the
 * expected number of non-blank lines (for unpinned JSONL). stats may be NULL.
 * Returns 0 or -1 with a message naming the URL and what went wrong. */
int dl_file(const char *url, const char *dest, const char *sha256_hex, long long n_bytes, long n_lines,
            const dl_opts *o, dl_stats *stats, errbuf *e);

/* Fetches every row of one split from the rows API at base_url into dest as
 * JSON Lines (one row object per line). n_rows_expected >= 0 must equal the
 * API's num_rows_total. Fails on truncated cells, inconsistent totals or
 * malformed replies. */
int dl_hf_rows(const char *base_url, const char *dataset, const char *config, const char *split, const char *dest,
               long n_rows_expected, const dl_opts *o, dl_stats *stats, errbuf *e);

#endif
