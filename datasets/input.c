/* datasets/input.c: plain, compressed and archived dataset files. */
#include "datasets/input.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"

#define INPUT_BLOCK_BYTES 65536 /* libarchive read block */
#define INPUT_MAGIC_BYTES 6
#define INPUT_MAX_LISTED 8 /* member names quoted when the wanted one is missing */

int ds_input_is_compressed(const unsigned char *h, size_t n) {
    if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) return 1;                       /* gzip */
    if (n >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') return 1;          /* bzip2 */
    if (n >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0) return 1;                 /* xz */
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) return 1; /* zstd */
    return 0;
}

static int read_head(const char *path, unsigned char *head, size_t *n, errbuf *e) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_errno(e, "%s", path);
    *n = fread(head, 1, INPUT_MAGIC_BYTES, f);
    fclose(f);
    return 0;
}

/* Reads the current entry's data into a NUL-terminated buffer. */
static char *read_entry(struct archive *a, const char *what, size_t max_bytes, size_t *n_bytes, errbuf *e) {
    size_t cap = INPUT_BLOCK_BYTES, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        err_set(e, "%s: out of memory", what);
        return NULL;
    }
    for (;;) {
        if (cap - n < INPUT_BLOCK_BYTES) {
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                err_set(e, "%s: out of memory after %zu bytes", what, n);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        la_ssize_t got = archive_read_data(a, buf + n, cap - n);
        if (got < 0) {
            err_set(e, "%s: corrupt or truncated data: %s", what, archive_error_string(a));
            free(buf);
            return NULL;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n > max_bytes) {
            err_set(e, "%s: more than %zu bytes once decompressed", what, max_bytes);
            free(buf);
            return NULL;
        }
    }
    buf[n] = 0;
    *n_bytes = n;
    return buf;
}

char *ds_input_read(const char *path, const char *member, size_t max_bytes, size_t *n_bytes, errbuf *e) {
    unsigned char head[INPUT_MAGIC_BYTES];
    size_t n_head = 0;
    if (read_head(path, head, &n_head, e) != 0) return NULL;
    if (!member && !ds_input_is_compressed(head, n_head)) return file_read_all(path, max_bytes, n_bytes, e);

    struct archive *a = archive_read_new();
    if (!a) {
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    archive_read_support_filter_all(a);
    if (member) archive_read_support_format_all(a);
    else archive_read_support_format_raw(a);
    char what[1024];
    if (member) snprintf(what, sizeof what, "%s: member %s", path, member);
    else snprintf(what, sizeof what, "%s", path);

    char *out = NULL;
    if (archive_read_open_filename(a, path, INPUT_BLOCK_BYTES) != ARCHIVE_OK) {
        if (member) err_set(e, "%s: cannot open as an archive: %s", path, archive_error_string(a));
        else err_set(e, "%s: corrupt or truncated data: %s", path, archive_error_string(a));
        goto done;
    }
    char listed[256] = "";
    int n_entries = 0;
    for (;;) {
        struct archive_entry *ent;
        int r = archive_read_next_header(a, &ent);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            err_set(e, "%s: corrupt archive: %s", path, archive_error_string(a));
            goto done;
        }
        if (!member) {
            out = read_entry(a, what, max_bytes, n_bytes, e);
            goto done;
        }
        const char *name = archive_entry_pathname(ent);
        if (name && strcmp(name, member) == 0) {
            out = read_entry(a, what, max_bytes, n_bytes, e);
            goto done;
        }
        if (name && n_entries < INPUT_MAX_LISTED) {
            size_t l = strlen(listed);
            snprintf(listed + l, sizeof listed - l, "%s%s", l ? ", " : "", name);
        }
        n_entries++;
    }
    if (member)
        err_set(e, "%s: no member named %s (the archive holds %d entries%s%s%s)", path, member, n_entries,
                n_entries ? ": " : "", listed, n_entries > INPUT_MAX_LISTED ? ", ..." : "");
    else err_set(e, "%s: compressed file holds no data", path);
done:
    archive_read_free(a);
    return out;
}

int ds_input_has_member(const char *path, const char *member, errbuf *e) {
    struct archive *a = archive_read_new();
    if (!a) return err_set(e, "%s: out of memory", path);
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    int found = -1;
    if (archive_read_open_filename(a, path, INPUT_BLOCK_BYTES) != ARCHIVE_OK) {
        err_set(e, "%s: cannot open as an archive: %s", path, archive_error_string(a));
        goto done;
    }
    for (;;) {
        struct archive_entry *ent;
        int r = archive_read_next_header(a, &ent);
        if (r == ARCHIVE_EOF) {
            found = 0;
            break;
        }
        if (r < ARCHIVE_WARN) {
            err_set(e, "%s: corrupt archive: %s", path, archive_error_string(a));
            break;
        }
        const char *name = archive_entry_pathname(ent);
        if (name && strcmp(name, member) == 0) {
            found = 1;
            break;
        }
    }
done:
    archive_read_free(a);
    return found;
}
