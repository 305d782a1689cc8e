#include "harness/runinfo.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "gen/git_rev.h"

const char *runinfo_git_revision(void) { return GRIFFIN_GIT_REV; }

char *runinfo_command_line(int argc, char **argv) {
    strbuf b;
    strbuf_init(&b);
    for (int i = 0; i < argc; i++) {
        if (i) strbuf_putc(&b, ' ');
        const char *a = argv[i];
        if (*a && !strpbrk(a, " \t\n'\"\\$`*?;&|<>()[]{}!#~")) {
            strbuf_puts(&b, a);
            continue;
        }
        strbuf_putc(&b, '\'');
        for (; *a; a++) {
            if (*a == '\'') strbuf_puts(&b, "'\\''");
            else strbuf_putc(&b, *a);
        }
        strbuf_putc(&b, '\'');
    }
    return strbuf_take(&b);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* config.json and *.safetensors / *.index.json of dir, sorted by name. */
static int model_files(const char *dir, char ***out, int *n, errbuf *e) {
    DIR *d = opendir(dir);
    if (!d) return err_errno(e, "%s", dir);
    char **v = NULL;
    int cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        size_t l = strlen(nm);
        int want = strcmp(nm, "config.json") == 0 || (l > 12 && strcmp(nm + l - 12, ".safetensors") == 0) ||
                   (l > 11 && strcmp(nm + l - 11, ".index.json") == 0);
        if (!want) continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            char **nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        v[cnt++] = strdup(nm);
    }
    closedir(d);
    qsort(v, (size_t)cnt, sizeof *v, cmp_str);
    *out = v;
    *n = cnt;
    return 0;
}

#define FP_EDGE_BYTES (1u << 20)

int runinfo_model_checksum(const char *model_dir, char out[72], errbuf *e) {
    char **names = NULL;
    int n = 0;
    if (model_files(model_dir, &names, &n, e) != 0) return -1;
    unsigned long long total = 0;
    char path[4096];
    for (int i = 0; i < n; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", model_dir, names[i]);
        if (stat(path, &st) == 0) total += (unsigned long long)st.st_size;
    }
    int full = total <= RUNINFO_FULL_HASH_MAX_BYTES;
    sha256_ctx c;
    sha256_init(&c);
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", model_dir, names[i]);
        file_map m;
        if (file_map_open(&m, path, e) != 0) {
            rc = -1;
            break;
        }
        sha256_update(&c, names[i], strlen(names[i]) + 1);
        unsigned long long size = m.n_bytes;
        sha256_update(&c, &size, sizeof size);
        if (full || m.n_bytes <= 2 * FP_EDGE_BYTES + 8) {
            if (m.n_bytes) sha256_update(&c, m.data, m.n_bytes);
        } else {
            /* The header (names, shapes, offsets) and both ends of the data. */
            unsigned long long hdr = 0;
            for (int k = 7; k >= 0; k--) hdr = (hdr << 8) | m.data[k];
            size_t head = 8 + (hdr < m.n_bytes - 8 ? hdr : 0) + FP_EDGE_BYTES;
            if (head > m.n_bytes) head = m.n_bytes;
            sha256_update(&c, m.data, head);
            sha256_update(&c, m.data + m.n_bytes - FP_EDGE_BYTES, FP_EDGE_BYTES);
        }
        file_map_close(&m);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    if (rc != 0) return rc;
    if (n == 0) return err_set(e, "%s: no config.json or weights to checksum", model_dir);
    unsigned char d[32];
    sha256_final(&c, d);
    char *p = out;
    if (!full) p += sprintf(p, "fp:");
    for (int i = 0; i < 32; i++) p += sprintf(p, "%02x", d[i]);
    return 0;
}
