/* harness/store.c: opening a store, migrations, transactions, the statement
 * cache and the error messages every store_*.c file uses. */
#include "harness/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "harness/store_impl.h"

/* Statement text in messages is cut here: enough to recognise it. */
#define SQL_IN_MSG_CHARS 90

/* ---- errors -------------------------------------------------------------- */

/* Writes the statement's first line-ish into buf, whitespace collapsed. */
static void sql_excerpt(const char *sql, char *buf, size_t cap) {
    size_t o = 0;
    int space = 0;
    for (const char *p = sql; *p && o + 4 < cap; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            space = 1;
            continue;
        }
        if (space && o) buf[o++] = ' ';
        space = 0;
        buf[o++] = *p;
        if (o >= SQL_IN_MSG_CHARS) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
    }
    buf[o] = 0;
}

int store_err(store *st, errbuf *e, const char *sql, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *msg = st->db ? sqlite3_errmsg(st->db) : "no database";
    if (sql) {
        char ex[SQL_IN_MSG_CHARS + 8];
        sql_excerpt(sql, ex, sizeof ex);
        return err_set(e, "%s: %s: %s (statement: %s)", st->path, what, msg, ex);
    }
    return err_set(e, "%s: %s: %s", st->path, what, msg);
}

/* ---- statements ---------------------------------------------------------- */

sqlite3_stmt *store_stmt(store *st, const char *sql, errbuf *e) {
    for (int i = 0; i < st->n_stmts; i++) {
        if (st->stmts[i].sql == sql) {
            sqlite3_stmt *s = st->stmts[i].stmt;
            if (sqlite3_stmt_busy(s)) {
                err_set(e, "%s: statement re-entered from its own callback (statement: %.60s)", st->path, sql);
                return NULL;
            }
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return s;
        }
    }
    if (st->n_stmts >= STORE_MAX_STMTS) {
        err_set(e, "%s: more than %d cached statements (raise STORE_MAX_STMTS)", st->path, STORE_MAX_STMTS);
        return NULL;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
        store_err(st, e, sql, "preparing a statement");
        sqlite3_finalize(s);
        return NULL;
    }
    st->stmts[st->n_stmts].sql = sql;
    st->stmts[st->n_stmts].stmt = s;
    st->n_stmts++;
    return s;
}

int store_exec(store *st, const char *sql, errbuf *e) {
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char ex[SQL_IN_MSG_CHARS + 8];
        sql_excerpt(sql, ex, sizeof ex);
        err_set(e, "%s: %s (statement: %s)", st->path, msg ? msg : sqlite3_errmsg(st->db), ex);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_step_done(store *st, sqlite3_stmt *s, const char *sql, errbuf *e, const char *what) {
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_err(st, e, sql, "%s", what);
        sqlite3_reset(s);
        return -1;
    }
    sqlite3_reset(s);
    return 0;
}

int store_bind_text(sqlite3_stmt *s, int i, const char *v) {
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

int store_bind_double(sqlite3_stmt *s, int i, double v) {
    return isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
}

int store_bind_count(sqlite3_stmt *s, int i, int64_t v) {
    return v < 0 ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

double store_col_double(sqlite3_stmt *s, int i) {
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

int64_t store_col_count(sqlite3_stmt *s, int i) {
    return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

const char *store_col_text(sqlite3_stmt *s, int i) {
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(s, i);
}

/* A put into a run that does not exist would fail on the foreign key with a
 * message that does not say which run; say it here instead. */
int store_need_run(store *st, int64_t run_id, const char *what, errbuf *e) {
    static const char sql[] = "SELECT 1 FROM runs WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return err_set(e, "%s: %s: no run with id %" PRId64, st->path, what, run_id);
    return store_err(st, e, sql, "%s: looking up run %" PRId64, what, run_id);
}

int store_uuid(char out[37], errbuf *e) {
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return err_errno(e, "getrandom for a run uuid");
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 (RFC 4122 4.4) */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

/* ---- transactions -------------------------------------------------------- */

int store_tx_begin(store *st, errbuf *e) {
    char sql[48];
    /* IMMEDIATE takes the write lock now, so the busy timeout applies here
     * and not at a later read-to-write upgrade that SQLite cannot wait on. */
    if (st->tx_depth == 0) snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
    else snprintf(sql, sizeof sql, "SAVEPOINT sp%d", st->tx_depth);
    if (store_exec(st, sql, e) != 0) return -1;
    st->tx_depth++;
    return 0;
}

int store_tx_commit(store *st, errbuf *e) {
    if (st->tx_depth <= 0) return err_set(e, "%s: commit without a transaction", st->path);
    char sql[48];
    if (st->tx_depth == 1) snprintf(sql, sizeof sql, "COMMIT");
    else snprintf(sql, sizeof sql, "RELEASE sp%d", st->tx_depth - 1);
    if (store_exec(st, sql, e) != 0) {
        store_tx_rollback(st);
        return -1;
    }
    st->tx_depth--;
    return 0;
}

void store_tx_rollback(store *st) {
    if (st->tx_depth <= 0) return;
    st->tx_depth--;
    /* Some errors (disk full, I/O) end the transaction themselves. */
    if (sqlite3_get_autocommit(st->db)) {
        st->tx_depth = 0;
        return;
    }
    char sql[64];
    if (st->tx_depth == 0) snprintf(sql, sizeof sql, "ROLLBACK");
    else snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", st->tx_depth, st->tx_depth);
    sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* ---- opening and migrations ---------------------------------------------- */

/* Reads the schema version: 0 for an empty file, -1 (message set) for a file
 * that is not SQLite or an SQLite file that is not a griffin store. */
static int read_version(store *st, int *version, errbuf *e) {
    static const char q_tables[] =
        "SELECT COUNT(*), SUM(name = 'schema_version') FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%'";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, q_tables, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        int code = sqlite3_extended_errcode(st->db) & 0xff;
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
            err_set(e, "%s: not an SQLite database, or a corrupt one (%s); move it aside or pass another --db",
                    st->path, sqlite3_errmsg(st->db));
        } else {
            store_err(st, e, q_tables, "reading the schema");
        }
        sqlite3_finalize(s);
        return -1;
    }
    int n_tables = sqlite3_column_int(s, 0), has_version = sqlite3_column_int(s, 1);
    sqlite3_finalize(s);
    if (n_tables == 0) {
        *version = 0;
        return 0;
    }
    if (!has_version)
        return err_set(e, "%s: an SQLite database with %d tables but no schema_version table: not a griffin store",
                       st->path, n_tables);
    static const char q_version[] = "SELECT MAX(version) FROM schema_version";
    if (sqlite3_prepare_v2(st->db, q_version, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        store_err(st, e, q_version, "reading the schema version");
        sqlite3_finalize(s);
        return -1;
    }
    *version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return 0;
}

static int migrate(store *st, int target, errbuf *e) {
    for (int i = 0; i < store_n_migrations; i++) {
        const store_migration *m = &store_migrations[i];
        if (m->version <= st->schema_version || m->version > target) continue;
        if (store_tx_begin(st, e) != 0) return err_prefix(e, "migrating to schema version %d", m->version);
        /* Another process may have migrated while we waited for the lock. */
        int now;
        if (read_version(st, &now, e) != 0) {
            store_tx_rollback(st);
            return -1;
        }
        if (now >= m->version) {
            store_tx_rollback(st);
            st->schema_version = now;
            continue;
        }
        static const char ins[] = "INSERT INTO schema_version (version, description) VALUES (?, ?)";
        sqlite3_stmt *s = NULL;
        if (store_exec(st, m->sql, e) != 0) {
            store_tx_rollback(st);
            return err_prefix(e, "migration to schema version %d failed, file left at version %d", m->version,
                              now);
        }
        if (sqlite3_prepare_v2(st->db, ins, -1, &s, NULL) != SQLITE_OK) {
            store_err(st, e, ins, "recording schema version %d", m->version);
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int(s, 1, m->version);
        sqlite3_bind_text(s, 2, m->description, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
            store_err(st, e, ins, "recording schema version %d", m->version);
            store_tx_rollback(st);
            return -1;
        }
        if (store_tx_commit(st, e) != 0) return err_prefix(e, "migrating to schema version %d", m->version);
        st->schema_version = m->version;
    }
    return 0;
}

/* A message for a file SQLite could not open, with the OS's reason and what
 * is wrong with the directory when that is the cause. */
static int open_error(store *st, errbuf *e) {
    int sys = st->db ? sqlite3_system_errno(st->db) : 0;
    const char *msg = st->db ? sqlite3_errmsg(st->db) : "out of memory";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", st->path);
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = 0;
    else snprintf(dir, sizeof dir, ".");
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return err_set(e, "%s: cannot open the store: directory %s does not exist", st->path, dir);
    if (!S_ISDIR(sb.st_mode)) return err_set(e, "%s: cannot open the store: %s is not a directory", st->path, dir);
    /* SQLite reports a file it could not create as "no such file". */
    if (sys == ENOENT || sys == EACCES || sys == EPERM || sys == EROFS)
        return err_set(e, "%s: cannot open the store: %s (%s): directory %s does not let us create or write it",
                       st->path, msg, strerror(sys), dir);
    if (sys) return err_set(e, "%s: cannot open the store: %s (%s)", st->path, msg, strerror(sys));
    return err_set(e, "%s: cannot open the store: %s", st->path, msg);
}

/* Runs a pragma that sets something; its answer, if any, is ignored. */
static int pragma(store *st, const char *sql, errbuf *e) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_err(st, e, sql, "setting up the connection");
    return 0;
}

/* Switches a file to WAL. The switch needs a moment of exclusive access,
 * and SQLite answers "database is locked" at once rather than calling the
 * busy handler when another process holds the file (two processes opening a
 * new store together), so retry here for up to the busy timeout. */
static int set_wal(store *st, int timeout_ms, errbuf *e) {
    static const char sql[] = "PRAGMA journal_mode = WAL";
    for (int waited_ms = 0;; waited_ms += 5) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(s, 0);
            int ok = mode && strcmp(mode, "wal") == 0;
            if (!ok) err_set(e, "%s: %s returned '%s', expected 'wal'", st->path, sql, mode ? mode : "(nothing)");
            sqlite3_finalize(s);
            return ok ? 0 : -1;
        }
        sqlite3_finalize(s);
        int code = sqlite3_extended_errcode(st->db) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || waited_ms >= timeout_ms)
            return store_err(st, e, sql, "setting up the connection");
        usleep(5000);
    }
}

store *store_open(const char *path, const store_open_opts *opts, errbuf *e) {
    store_open_opts o = {0};
    if (opts) o = *opts;
    int target = o.max_version > 0 ? o.max_version : STORE_SCHEMA_VERSION;
    if (target > STORE_SCHEMA_VERSION) target = STORE_SCHEMA_VERSION;
    if (!path || !*path) {
        err_set(e, "store: empty database path");
        return NULL;
    }
    store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        err_set(e, "%s: out of memory opening the store", path);
        return NULL;
    }
    st->read_only = o.read_only;
    if ((o.read_only || o.no_create) && !file_exists(path)) {
        err_set(e, "%s: no such store (the file does not exist)", path);
        goto fail;
    }
    if (store_uuid(st->session, e) != 0) goto fail;
    /* URI: store_merge attaches its source as a read-only "file:" URI. */
    int flags = SQLITE_OPEN_URI |
                (o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (o.no_create ? 0 : SQLITE_OPEN_CREATE));
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        open_error(st, e);
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, o.busy_timeout_ms > 0 ? o.busy_timeout_ms : STORE_BUSY_TIMEOUT_MS);
    if (read_version(st, &st->schema_version, e) != 0) {
        /* A new file in an unwritable place fails here, at its first read. */
        if ((sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_CANTOPEN) open_error(st, e);
        goto fail;
    }
    if (st->schema_version > STORE_SCHEMA_VERSION) {
        err_set(e, "%s: schema version %d was written by a newer griffin; this one understands up to version %d",
                path, st->schema_version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (pragma(st, "PRAGMA foreign_keys = ON", e) != 0) goto fail;
    if (o.read_only) {
        if (st->schema_version == 0) {
            err_set(e, "%s: empty file, not a griffin store", path);
            goto fail;
        }
        if (st->schema_version < target) {
            err_set(e, "%s: schema version %d is older than this griffin's (%d) and the store was opened read-only; "
                    "open it once for writing (e.g. griffin results --db %s) to migrate it",
                    path, st->schema_version, target, path);
            goto fail;
        }
        return st;
    }
    /* WAL: readers never block the writer or each other. synchronous=FULL
     * makes each committed batch survive power loss, not only a killed
     * process; batches are large enough that the fsync does not matter. */
    if (set_wal(st, o.busy_timeout_ms > 0 ? o.busy_timeout_ms : STORE_BUSY_TIMEOUT_MS, e) != 0) goto fail;
    if (pragma(st, "PRAGMA synchronous = FULL", e) != 0) goto fail;
    if (migrate(st, target, e) != 0) goto fail;
    return st;
fail:
    store_close(st);
    return NULL;
}

void store_close(store *st) {
    if (!st) return;
    while (st->tx_depth > 0) store_tx_rollback(st);
    for (int i = 0; i < st->n_stmts; i++) sqlite3_finalize(st->stmts[i].stmt);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

int store_schema_version(const store *st) { return st->schema_version; }

const char *store_path(const store *st) { return st->path; }

int store_check(store *st, errbuf *e) {
    static const char sql[] = "PRAGMA integrity_check";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        store_err(st, e, sql, "checking integrity");
        sqlite3_reset(s);
        return -1;
    }
    const char *first = (const char *)sqlite3_column_text(s, 0);
    int ok = first && strcmp(first, "ok") == 0;
    if (!ok) err_set(e, "%s: integrity check failed: %s", st->path, first ? first : "(no answer)");
    sqlite3_reset(s);
    return ok ? 0 : -1;
}
