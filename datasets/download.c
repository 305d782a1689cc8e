/* datasets/download.c: libcurl downloads with retries, resume, checksums
 * and atomic renames; the Hugging Face datasets-server rows API. */
#include "datasets/download.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/sha256.h"
#include "common/strbuf.h"
#include "datasets/text.h"

#define DL_CONNECT_TIMEOUT_MS 15000
#define DL_LOW_SPEED_BYTES_PER_S 1024
#define DL_LOW_SPEED_TIME_S 30
#define DL_MAX_ATTEMPTS 5
#define DL_BACKOFF_INITIAL_MS 1000
#define DL_BACKOFF_MAX_MS 30000
#define DL_MAX_REDIRECTS 5
#define DL_ERRBODY_BYTES 200       /* of an error response, quoted in the message */
#define DL_MAX_PAGE_BYTES (64u << 20) /* one rows-API reply */
#define DL_PATH_BYTES 4096
#define DL_USER_AGENT "griffin-datasets/1"

void dl_opts_default(dl_opts *o) {
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = DL_CONNECT_TIMEOUT_MS;
    o->low_speed_bytes_per_s = DL_LOW_SPEED_BYTES_PER_S;
    o->low_speed_time_s = DL_LOW_SPEED_TIME_S;
    o->max_attempts = DL_MAX_ATTEMPTS;
    o->backoff_initial_ms = DL_BACKOFF_INITIAL_MS;
    o->backoff_max_ms = DL_BACKOFF_MAX_MS;
}

static void sleep_ms(long ms) {
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- one transfer ---- */

typedef struct xfer {
    const char *url;
    FILE *f;             /* file sink, or NULL */
    strbuf *mem;         /* memory sink, or NULL */
    long long offset;    /* file bytes present before this request */
    long long range_start; /* from Content-Range; -1 if none */
    long retry_after_s;  /* from Retry-After; -1 if none */
    int decided;         /* the first body byte has chosen what to do */
    int discard;         /* not a success status: keep a snippet only */
    int range_mismatch;  /* 206 for another offset than asked */
    int write_failed;
    char errbody[DL_ERRBODY_BYTES + 1];
    size_t errbody_len;
    CURL *h;
    const dl_opts *o;
} xfer;

static size_t on_header(char *buf, size_t size, size_t n, void *user) {
    xfer *x = user;
    size_t len = size * n;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) { /* a new response (after a redirect) */
        x->range_start = -1;
        x->retry_after_s = -1;
    } else if (len > 14 && strncasecmp(buf, "Content-Range:", 14) == 0) {
        long long s;
        if (sscanf(buf + 14, " bytes %lld-", &s) == 1) x->range_start = s;
    } else if (len > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
        long s;
        if (sscanf(buf + 12, " %ld", &s) == 1 && s >= 0) x->retry_after_s = s;
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *user) {
    xfer *x = user;
    size_t len = size * n;
    if (!x->decided) {
        x->decided = 1;
        long status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        if (status == 206 && x->f) {
            if (x->range_start != x->offset) {
                x->range_mismatch = 1;
                return 0;
            }
        } else if (status == 200) {
            if (x->f && x->offset > 0) { /* the server ignored Range: start over */
                if (fflush(x->f) != 0 || ftruncate(fileno(x->f), 0) != 0 || fseek(x->f, 0, SEEK_SET) != 0) {
                    x->write_failed = 1;
                    return 0;
                }
                x->offset = 0;
            }
        } else x->discard = 1;
    }
    if (x->discard) {
        size_t k = len;
        if (k > DL_ERRBODY_BYTES - x->errbody_len) k = DL_ERRBODY_BYTES - x->errbody_len;
        memcpy(x->errbody + x->errbody_len, buf, k);
        x->errbody_len += k;
        x->errbody[x->errbody_len] = 0;
        return len;
    }
    if (x->f) {
        if (fwrite(buf, 1, len, x->f) != len) {
            x->write_failed = 1;
            return 0;
        }
    } else {
        if (x->mem->len + len > DL_MAX_PAGE_BYTES) {
            x->write_failed = 1;
            return 0;
        }
        strbuf_append(x->mem, buf, len);
        if (strbuf_failed(x->mem)) {
            x->write_failed = 1;
            return 0;
        }
    }
    return len;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)ultotal;
    (void)ulnow;
    xfer *x = user;
    if (x->o->progress && !x->discard)
        x->o->progress(x->o->progress_user, x->url, x->offset + (long long)dlnow,
                       dltotal > 0 ? x->offset + (long long)dltotal : -1);
    return 0;
}

typedef enum { XF_OK, XF_RETRY, XF_FAIL } xf_result;

/* Error responses worth retrying: the server or a proxy is overloaded. */
static int retryable_status(long s) { return s == 429 || s == 408 || (s >= 500 && s <= 599); }

static int retryable_curl(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
        return 1;
    default:
        return 0;
    }
}

/* One GET into x's sink. Sets *status and the message in why. */
static xf_result transfer(xfer *x, long *status, long *retry_after_ms, char *why, size_t why_cap) {
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(why, why_cap, "cannot start libcurl");
        return XF_FAIL;
    }
    x->h = h;
    x->range_start = -1;
    x->retry_after_s = -1;
    x->decided = x->discard = x->range_mismatch = x->write_failed = 0;
    x->errbody_len = 0;
    x->errbody[0] = 0;
    char range[64];
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)DL_MAX_REDIRECTS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, DL_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, x->o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, x->o->low_speed_bytes_per_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, x->o->low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    if (x->o->progress) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    }
    if (x->f && x->offset > 0) {
        snprintf(range, sizeof range, "%lld-", x->offset);
        curl_easy_setopt(h, CURLOPT_RANGE, range);
    }
    CURLcode rc = curl_easy_perform(h);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    x->h = NULL;
    *retry_after_ms = x->retry_after_s >= 0 ? x->retry_after_s * 1000 : -1;
    if (x->range_mismatch) {
        snprintf(why, why_cap, "server resumed at another offset than %lld", x->offset);
        return XF_RETRY;
    }
    if (x->write_failed) {
        snprintf(why, why_cap, "%s", x->f ? "cannot write the partial file (disk full?)" : "reply too large");
        return XF_FAIL;
    }
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->discard)) {
        snprintf(why, why_cap, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
        return retryable_curl(rc) ? XF_RETRY : XF_FAIL;
    }
    if (*status == 200 || (*status == 206 && x->f)) {
        /* A 200 with an empty body after a Range request: nothing was written. */
        if (*status == 200 && !x->decided && x->f && x->offset > 0) {
            if (fflush(x->f) != 0 || ftruncate(fileno(x->f), 0) != 0) {
                snprintf(why, why_cap, "cannot truncate the partial file");
                return XF_FAIL;
            }
            x->offset = 0;
        }
        return XF_OK;
    }
    /* Strip the snippet to one line for the message. */
    for (size_t i = 0; i < x->errbody_len; i++)
        if (x->errbody[i] == '\n' || x->errbody[i] == '\r') x->errbody[i] = ' ';
    snprintf(why, why_cap, "HTTP %ld%s%s", *status, x->errbody_len ? ": " : "", x->errbody);
    if (*status == 416) return XF_RETRY; /* our partial file is no prefix of theirs */
    return retryable_status(*status) ? XF_RETRY : XF_FAIL;
}

static long backoff_ms(const dl_opts *o, int attempt, long retry_after_ms) {
    long ms = o->backoff_initial_ms;
    for (int i = 1; i < attempt && ms < o->backoff_max_ms; i++) ms *= 2;
    if (retry_after_ms > ms) ms = retry_after_ms;
    return ms > o->backoff_max_ms ? o->backoff_max_ms : ms;
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* ---- locking and finishing ---- */

static int lock_entry(const char *dest, errbuf *e) {
    char lock[DL_PATH_BYTES];
    snprintf(lock, sizeof lock, "%s.lock", dest);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return err_errno(e, "%s", lock);
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            err_errno(e, "%s: lock", lock);
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void unlock_entry(int fd) {
    if (fd >= 0) close(fd); /* releases the flock */
}

/* fsyncs part and renames it to dest, then fsyncs the directory. */
static int commit(const char *part, const char *dest, errbuf *e) {
    int fd = open(part, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_errno(e, "%s", part);
    int ok = fsync(fd) == 0;
    close(fd);
    if (!ok) return err_errno(e, "%s: fsync", part);
    if (rename(part, dest) != 0) return err_errno(e, "rename %s -> %s", part, dest);
    char dir[DL_PATH_BYTES];
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return 0;
}

/* ---- files ---- */

static int count_lines_file(const char *path, long *n, errbuf *e) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_errno(e, "%s", path);
    long count = 0;
    int blank = 1, ch;
    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') {
            count += !blank;
            blank = 1;
        } else if (ch != ' ' && ch != '\t' && ch != '\r') blank = 0;
    }
    count += !blank;
    fclose(f);
    *n = count;
    return 0;
}

/* Checks a finished part file; on a mismatch deletes it. */
static int verify_file(const char *url, const char *part, const char *sha256_hex, long long n_bytes, long n_lines,
                       errbuf *e) {
    long long size = file_size(part);
    if (n_bytes >= 0 && size != n_bytes) {
        unlink(part);
        return err_set(e, "%s: got %lld bytes, expected %lld; nothing was kept", url, size, n_bytes);
    }
    if (sha256_hex) {
        char got[65];
        if (sha256_file_hex(part, got, e) != 0) return -1;
        if (strcasecmp(got, sha256_hex) != 0) {
            unlink(part);
            return err_set(e, "%s: SHA-256 mismatch: got %s, expected %s; nothing was kept", url, got, sha256_hex);
        }
    } else if (n_lines >= 0) {
        long got = 0;
        if (count_lines_file(part, &got, e) != 0) return -1;
        if (got != n_lines) {
            unlink(part);
            return err_set(e, "%s: got %ld records (non-blank lines), expected %ld; nothing was kept", url, got,
                           n_lines);
        }
    }
    return 0;
}

int dl_file(const char *url, const char *dest, const char *sha256_hex, long long n_bytes, long n_lines,
            const dl_opts *o_in, dl_stats *stats, errbuf *e) {
    dl_opts od;
    if (!o_in) dl_opts_default(&od);
    const dl_opts *o = o_in ? o_in : &od;
    dl_stats st_local;
    dl_stats *st = stats ? stats : &st_local;
    memset(st, 0, sizeof *st);
    st->resumed_from = -1;
    char part[DL_PATH_BYTES];
    if (snprintf(part, sizeof part, "%s.part", dest) >= (int)sizeof part) return err_set(e, "%s: path too long", dest);
    int lock = lock_entry(dest, e);
    if (lock < 0) return -1;
    int rc = -1;
    if (file_size(dest) >= 0) { /* another process finished it while we waited */
        st->n_bytes = file_size(dest);
        rc = 0;
        goto done;
    }
    char why[512] = "";
    const int max_attempts = o->max_attempts > 0 ? o->max_attempts : 1;
    int attempt, complete = 0;
    for (attempt = 1; attempt <= max_attempts; attempt++) {
        FILE *f = fopen(part, "ab");
        if (!f) {
            err_errno(e, "%s", part);
            goto done;
        }
        xfer x = {0};
        x.url = url;
        x.f = f;
        x.o = o;
        fseek(f, 0, SEEK_END);
        x.offset = ftell(f);
        /* A partial file as long as the whole: check it instead of asking
         * for a range past the end. */
        if (n_bytes >= 0 && x.offset >= n_bytes) {
            fclose(f);
            complete = 1;
            break;
        }
        if (x.offset > 0) st->resumed_from = x.offset;
        long status, retry_after_ms;
        st->n_requests++;
        xf_result r = transfer(&x, &status, &retry_after_ms, why, sizeof why);
        if (fclose(f) != 0 && r == XF_OK) {
            snprintf(why, sizeof why, "cannot write %s", part);
            r = XF_FAIL;
        }
        if (r == XF_OK) {
            long long have = file_size(part);
            if (n_bytes >= 0 && have < n_bytes) { /* closed early without an error: resume */
                snprintf(why, sizeof why, "connection closed after %lld of %lld bytes", have, n_bytes);
                r = XF_RETRY;
            } else {
                complete = 1;
                break;
            }
        }
        if (r == XF_FAIL) break;
        if (status == 416) unlink(part);
        if (attempt < max_attempts) sleep_ms(backoff_ms(o, attempt, retry_after_ms));
    }
    if (!complete) {
        if (attempt > max_attempts)
            err_set(e, "%s: giving up after %d attempts: %s", url, max_attempts, why);
        else err_set(e, "%s: %s", url, why);
        if (file_size(part) == 0) unlink(part); /* else it stays for a later resume */
        goto done;
    }
    if (verify_file(url, part, sha256_hex, n_bytes, n_lines, e) != 0) goto done;
    st->n_bytes = file_size(part);
    rc = commit(part, dest, e);
done:
    unlock_entry(lock);
    return rc;
}

/* ---- the datasets-server rows API ---- */

/* Counts the complete lines of a partial rows file and cuts off a torn
 * last line, so fetching can continue at that row. */
static long resume_rows(const char *part) {
    FILE *f = fopen(part, "rb+");
    if (!f) return 0;
    long lines = 0;
    long long good = 0, pos = 0;
    int ch;
    while ((ch = getc(f)) != EOF) {
        pos++;
        if (ch == '\n') {
            lines++;
            good = pos;
        }
    }
    if (good != pos && ftruncate(fileno(f), (off_t)good) != 0) lines = 0;
    fclose(f);
    return lines;
}

static int fetch_page(const char *url, strbuf *body, const dl_opts *o, dl_stats *st, errbuf *e) {
    char why[512] = "";
    const int max_attempts = o->max_attempts > 0 ? o->max_attempts : 1;
    for (int attempt = 1; attempt <= max_attempts; attempt++) {
        strbuf_clear(body);
        xfer x = {0};
        x.url = url;
        x.mem = body;
        x.o = o;
        long status, retry_after_ms;
        st->n_requests++;
        xf_result r = transfer(&x, &status, &retry_after_ms, why, sizeof why);
        if (r == XF_OK) return 0;
        if (r == XF_FAIL) return err_set(e, "%s: %s", url, why);
        if (attempt < max_attempts) sleep_ms(backoff_ms(o, attempt, retry_after_ms));
    }
    return err_set(e, "%s: giving up after %d attempts: %s", url, max_attempts, why);
}

int dl_hf_rows(const char *base_url, const char *dataset, const char *config, const char *split, const char *dest,
               long n_rows_expected, const dl_opts *o_in, dl_stats *stats, errbuf *e) {
    dl_opts od;
    if (!o_in) dl_opts_default(&od);
    const dl_opts *o = o_in ? o_in : &od;
    dl_stats st_local;
    dl_stats *st = stats ? stats : &st_local;
    memset(st, 0, sizeof *st);
    st->resumed_from = -1;
    char part[DL_PATH_BYTES];
    if (snprintf(part, sizeof part, "%s.part", dest) >= (int)sizeof part) return err_set(e, "%s: path too long", dest);
    int lock = lock_entry(dest, e);
    if (lock < 0) return -1;
    int rc = -1;
    CURL *esc = curl_easy_init();
    char *d_esc = esc ? curl_easy_escape(esc, dataset, 0) : NULL;
    char *c_esc = esc ? curl_easy_escape(esc, config, 0) : NULL;
    char *s_esc = esc ? curl_easy_escape(esc, split, 0) : NULL;
    strbuf body;
    strbuf_init(&body);
    FILE *f = NULL;
    char what[512];
    snprintf(what, sizeof what, "%s (config %s, split %s)", dataset, config, split);
    if (!d_esc || !c_esc || !s_esc) {
        err_set(e, "%s: out of memory", what);
        goto done;
    }
    if (file_size(dest) >= 0) {
        rc = 0;
        goto done;
    }
    long offset = resume_rows(part);
    if (offset > 0) st->resumed_from = offset;
    if (!(f = fopen(part, "ab"))) {
        err_errno(e, "%s", part);
        goto done;
    }
    long total = -1;
    size_t base_len = strlen(base_url);
    while (total < 0 || offset < total) {
        char url[DL_PATH_BYTES];
        snprintf(url, sizeof url, "%.*s/rows?dataset=%s&config=%s&split=%s&offset=%ld&length=%d",
                 (int)(base_len && base_url[base_len - 1] == '/' ? base_len - 1 : base_len), base_url, d_esc, c_esc,
                 s_esc, offset, DL_ROWS_PAGE);
        if (fetch_page(url, &body, o, st, e) != 0) goto done; /* rows so far stay for a resume */
        cJSON *page = cJSON_ParseWithLength(body.s ? body.s : "", body.len);
        const cJSON *rows = page ? cJSON_GetObjectItemCaseSensitive(page, "rows") : NULL;
        const cJSON *tot = page ? cJSON_GetObjectItemCaseSensitive(page, "num_rows_total") : NULL;
        if (!cJSON_IsArray(rows) || !cJSON_IsNumber(tot) || tot->valuedouble < 0) {
            cJSON_Delete(page);
            err_set(e, "%s: %s: not a rows reply (expected {\"rows\": [...], \"num_rows_total\": N})", what, url);
            goto done;
        }
        long t = (long)tot->valuedouble;
        if (total >= 0 && t != total) {
            cJSON_Delete(page);
            err_set(e, "%s: num_rows_total changed from %ld to %ld while paging", what, total, t);
            goto done;
        }
        total = t;
        if (n_rows_expected >= 0 && total != n_rows_expected) {
            cJSON_Delete(page);
            fclose(f);
            f = NULL;
            unlink(part);
            err_set(e, "%s: the server has %ld rows, expected %ld; nothing was kept", what, total, n_rows_expected);
            goto done;
        }
        int n_page = 0, bad = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, rows) {
            const cJSON *row = cJSON_GetObjectItemCaseSensitive(r, "row");
            const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "row_idx");
            const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(r, "truncated_cells");
            if (!cJSON_IsObject(row)) {
                bad = err_set(e, "%s: row %ld: expected {\"row\": {...}}", what, offset + n_page);
            } else if (idx && (!cJSON_IsNumber(idx) || (long)idx->valuedouble != offset + n_page)) {
                bad = err_set(e, "%s: expected row_idx %ld, got %s", what, offset + n_page,
                              cJSON_IsNumber(idx) ? "another" : "a non-number");
            } else if (cJSON_GetArraySize(trunc) > 0) {
                bad = err_set(e, "%s: row %ld: the server truncated cells; the rows API cannot serve this split whole",
                              what, offset + n_page);
            }
            if (bad) break;
            char *line = cJSON_PrintUnformatted(row);
            if (!line || fputs(line, f) == EOF || fputc('\n', f) == EOF) {
                free(line);
                bad = err_set(e, "%s: cannot write %s", what, part);
                break;
            }
            free(line);
            n_page++;
        }
        cJSON_Delete(page);
        if (bad) goto done;
        if (fflush(f) != 0) {
            err_errno(e, "%s", part);
            goto done;
        }
        if (n_page == 0 && offset < total) {
            err_set(e, "%s: the server returned no rows at offset %ld of %ld", what, offset, total);
            goto done;
        }
        offset += n_page;
        if (offset > total) {
            err_set(e, "%s: the server returned %ld rows, more than num_rows_total %ld", what, offset, total);
            fclose(f);
            f = NULL;
            unlink(part);
            goto done;
        }
        if (o->progress) o->progress(o->progress_user, what, offset, total);
    }
    if (fclose(f) != 0) {
        f = NULL;
        err_errno(e, "%s", part);
        goto done;
    }
    f = NULL;
    st->n_rows = offset;
    rc = commit(part, dest, e);
done:
    if (f) fclose(f);
    strbuf_deinit(&body);
    curl_free(d_esc);
    curl_free(c_esc);
    curl_free(s_esc);
    if (esc) curl_easy_cleanup(esc);
    unlock_entry(lock);
    return rc;
}
