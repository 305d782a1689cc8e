
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

char *file_read_all(const char *path, size_t max_bytes, size_t *n_bytes, errbuf *e) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_errno(e, "%s", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        err_errno(e, "%s", path);
        fclose(f);
        return NULL;
    }
    if ((size_t)st.st_size > max_bytes) {
        err_set(e, "%s: file is %lld bytes, more than the %zu allowed", path,
                (long long)st.st_size, max_bytes);
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        err_set(e, "%s: out of memory reading %zu bytes", path, n);
        fclose(f);
        return NULL;
    }
    if (n && fread(buf, 1, n, f) != n) {
        err_errno(e, "%s: short read", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    if (n_bytes) *n_bytes = n;
    return buf;
}

int file_map_open(file_map *m, const char *path, errbuf *e) {
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_errno(e, "%s", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return err_errno(e, "%s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, "%s: not a regular file", path);
    }
    m->n_bytes = (size_t)st.st_size;
    if (m->n_bytes > 0) {
        void *p = mmap(NULL, m->n_bytes, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            return err_errno(e, "%s: mmap", path);
        }
        m->data = p;
    }
    close(fd);
    return 0;
}

void file_map_close(file_map *m) {
    if (!m) return;
    if (m->data) munmap((void *)m->data, m->n_bytes);
    memset(m, 0, sizeof *m);
}

int file_write_atomic(const char *path, const void *data, size_t n, errbuf *e) {
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return err_set(e, "%s: out of memory", path);
    snprintf(tmp, plen + 16, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        err_errno(e, "%s", tmp);
        free(tmp);
        return -1;
    }
    int ok = (n == 0 || fwrite(data, 1, n, f) == n);
    ok = (fflush(f) == 0) && ok;
    ok = (fsync(fileno(f)) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        err_errno(e, "%s: write", path);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int file_mkdirs(const char *path, errbuf *e) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return err_set(e, "%s: bad directory path", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return err_errno(e, "mkdir %s", buf);
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, "%s: exists and is not a directory", path);
    return 0;
}
