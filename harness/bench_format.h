/* harness/bench_format.h: bench points as a table, CSV or JSON text.
 *
 * One row per point. Numbers carry their units in the column names
 * (tok_per_s, median_s, state_bytes_per_seq, peak_rss_bytes). A point that
 * bench_untrusted_reason flags has the reason in its "untrusted" column (the
 * table marks it with '!'). Missing values are empty in CSV, null in JSON,
 * '-' in the table. Each function appends to out; check strbuf_failed. */
#ifndef GRIFFIN_HARNESS_BENCH_FORMAT_H
#define GRIFFIN_HARNESS_BENCH_FORMAT_H

#include "common/strbuf.h"
#include "harness/bench.h"

/* The CSV header line's fields, in order (for tests and docs). */
extern const char *const bench_csv_columns[];
extern const int bench_csv_n_columns;

void bench_format_csv(strbuf *out, const bench_opts *o, const bench_results *r);
/* {"points": [{...}, ...]}, one object per point with the CSV's fields. */
void bench_format_json(strbuf *out, const bench_opts *o, const bench_results *r);
/* An aligned text table for people, with a legend line for flags. */
void bench_format_table(strbuf *out, const bench_opts *o, const bench_results *r);

#endif
