/* harness/store_impl.h: what the store_*.c files share; not public API. */
#ifndef GRIFFIN_HARNESS_STORE_IMPL_H
#define GRIFFIN_HARNESS_STORE_IMPL_H

#include <sqlite3.h>
#include <stdint.h>

#include "harness/store.h"

/* Prepared statements are cached per handle, keyed by the address of the
 * SQL text (each call site passes its own static string). */
#define STORE_MAX_STMTS 96

typedef struct store_stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
} store_stmt_slot;

struct store {
    sqlite3 *db;
    char *path;
    int read_only;
    int schema_version;
    int tx_depth;
    char session[37];  /* random UUID of this handle: its timings row */
    int n_stmts;
    store_stmt_slot stmts[STORE_MAX_STMTS];
};

/* One migration: the SQL that takes the schema from version - 1 to version. */
typedef struct store_migration {
    int version;
    const char *description;
    const char *sql;
} store_migration;

/* The migrations in order; store_schema.c. */
extern const store_migration store_migrations[];
extern const int store_n_migrations;

/* Returns the cached statement for sql, reset with its bindings cleared, or
 * NULL with "<db>: <what>: <sqlite message> (statement: ...)" in e. */
sqlite3_stmt *store_stmt(store *st, const char *sql, errbuf *e);
/* Sets e to "<db>: <what>: <sqlite's message> (statement: <sql>)"; returns -1. */
int store_err(store *st, errbuf *e, const char *sql, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Runs SQL without results (several statements allowed). */
int store_exec(store *st, const char *sql, errbuf *e);

/* Binding helpers: NULL text, NAN doubles and negative counts bind NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
int store_bind_double(sqlite3_stmt *s, int i, double v);
int store_bind_count(sqlite3_stmt *s, int i, int64_t v);
/* Column readers: NULL reads as NAN / -1. */
double  store_col_double(sqlite3_stmt *s, int i);
int64_t store_col_count(sqlite3_stmt *s, int i);
const char *store_col_text(sqlite3_stmt *s, int i); /* NULL stays NULL */

/* Steps a write statement to completion and resets it. */
int store_step_done(store *st, sqlite3_stmt *s, const char *sql, errbuf *e, const char *what);

/* 0 if run run_id exists, else -1 with "<db>: <what>: no run with id N". */
int store_need_run(store *st, int64_t run_id, const char *what, errbuf *e);

/* A random version-4 UUID in out (37 bytes with the NUL). */
int store_uuid(char out[37], errbuf *e);

#endif
