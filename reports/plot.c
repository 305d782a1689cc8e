/* reports/plot.c: gnuplot data, scripts and rendering. */
#include "reports/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"

/* Colour-blind-safe enough to tell two to four models apart. */
static const char *const palette[] = {"#1f5fa8", "#c0392b", "#2e8540", "#b7791f",
                                      "#6b46c1", "#2c7a7b", "#97266d", "#4a5568"};
#define N_PALETTE ((int)(sizeof palette / sizeof palette[0]))

static int is_exec(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int plot_find_gnuplot(const char *request, char *out, size_t cap, errbuf *e) {
    const char *name = request && *request ? request : "gnuplot";
    if (strchr(name, '/')) {
        if (is_exec(name)) {
            snprintf(out, cap, "%s", name);
            return 0;
        }
        return err_set(e, "gnuplot was not found at %s", name);
    }
    const char *path = getenv("PATH");
    if (!path || !*path) return err_set(e, "%s was not found: PATH is empty", name);
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char cand[4096];
        if (n == 0) snprintf(cand, sizeof cand, "./%s", name);
        else snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, name);
        if (is_exec(cand)) {
            snprintf(out, cap, "%s", cand);
            return 0;
        }
        if (!colon) break;
        p = colon + 1;
    }
    return err_set(e, "%s was not found on PATH (%.300s); install it (Debian: apt-get install gnuplot-nox) to get "
                      "the plots", name, path);
}

/* A gnuplot single-quoted string: '' stands for one quote. */
static void gp_str(strbuf *b, const char *s) {
    strbuf_putc(b, '\'');
    for (; s && *s; s++) {
        if (*s == '\'') strbuf_putc(b, '\'');
        if (*s == '\n') continue;
        strbuf_putc(b, *s);
    }
    strbuf_putc(b, '\'');
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int series_has_data(const plot_series *s) {
    for (int i = 0; i < s->n; i++)
        if (!isnan(s->y[i]) && (!isnan(s->x[i]))) return 1;
    return 0;
}

int plot_write(const plot_spec *s, const char *dir, const char *name, errbuf *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/data", dir);
    if (file_mkdirs(path, e) != 0) return -1;
    strbuf dat, gp;
    strbuf_init(&dat);
    strbuf_init(&gp);
    /* Data: one block per series (gnuplot's `index`), two blank lines apart. */
    int n_blocks = 0, n_x = 0, cap_x = 0;
    double *xs = NULL;
    int *block_of = calloc((size_t)(s->n_series > 0 ? s->n_series : 1), sizeof *block_of);
    if (!block_of) return err_set(e, "out of memory writing plot %s", name);
    for (int k = 0; k < s->n_series; k++) {
        const plot_series *sr = &s->series[k];
        block_of[k] = -1;
        if (!series_has_data(sr)) continue;
        strbuf_printf(&dat, "# %s\n", sr->name);
        for (int i = 0; i < sr->n; i++) {
            if (isnan(sr->y[i]) || isnan(sr->x[i])) continue;
            if (sr->y_lo && sr->y_hi) strbuf_printf(&dat, "%.9g %.9g %.9g %.9g\n", sr->x[i], sr->y[i], sr->y_lo[i], sr->y_hi[i]);
            else strbuf_printf(&dat, "%.9g %.9g\n", sr->x[i], sr->y[i]);
            if (n_x == cap_x) {
                cap_x = cap_x ? 2 * cap_x : 64;
                double *nx = realloc(xs, (size_t)cap_x * sizeof *nx);
                if (!nx) {
                    dat.failed = 1;
                    break;
                }
                xs = nx;
            }
            xs[n_x++] = sr->x[i];
        }
        strbuf_puts(&dat, "\n\n");
        block_of[k] = n_blocks++;
    }
    if (n_blocks == 0) {
        free(block_of);
        free(xs);
        strbuf_deinit(&dat);
        return err_set(e, "plot %s: no series has any data", name);
    }
    /* Script. */
    strbuf_printf(&gp, "# Written by `griffin report`. Re-draw with: cd <report dir> && gnuplot data/%s.gp\n", name);
    strbuf_puts(&gp, "set termoption noenhanced\nset encoding utf8\n");
    strbuf_puts(&gp, "set title ");
    gp_str(&gp, s->title);
    strbuf_puts(&gp, " font ',13'\nset xlabel ");
    gp_str(&gp, s->xlabel);
    strbuf_puts(&gp, "\nset ylabel ");
    gp_str(&gp, s->ylabel);
    strbuf_puts(&gp, "\nset grid xtics ytics lc rgb '#d9d9d9' lw 1 dt 1\nset border 3\nset tics nomirror\n"
                     "set key outside right top vertical Left reverse noautotitle samplen 3 spacing 1.3\n"
                     "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.02\n");
    if (s->logx) {
        qsort(xs, (size_t)n_x, sizeof *xs, cmp_double);
        strbuf_puts(&gp, "set logscale x 2\nset xtics (");
        int first = 1;
        for (int i = 0; i < n_x; i++) {
            if (i > 0 && xs[i] == xs[i - 1]) continue;
            strbuf_printf(&gp, "%s'%.0f' %.9g", first ? "" : ", ", xs[i], xs[i]);
            first = 0;
        }
        strbuf_puts(&gp, ")\n");
    }
    if (s->logy) strbuf_puts(&gp, "set logscale y 10\nset format y '%g'\n");
    else if (s->y_from_zero) strbuf_puts(&gp, "set yrange [0:*]\n");
    strbuf_printf(&gp, "if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {\n"
                       "  set terminal pngcairo size %d,%d font 'sans,11' linewidth 1.2 background rgb 'white'\n"
                       "} else {\n  set terminal png size %d,%d background rgb 'white'\n}\n",
                  PLOT_WIDTH_PX, PLOT_HEIGHT_PX, PLOT_WIDTH_PX, PLOT_HEIGHT_PX);
    strbuf_printf(&gp, "set output '%s.png'\nplot \\\n", name);
    int first = 1;
    for (int k = 0; k < s->n_series; k++) {
        const plot_series *sr = &s->series[k];
        if (block_of[k] < 0) continue;
        const char *col = palette[(sr->color % N_PALETTE + N_PALETTE) % N_PALETTE];
        int pt = 7 + 2 * (sr->dashed % 3); /* circle, square, triangle */
        strbuf_printf(&gp, "%s  'data/%s.dat' index %d using 1:2%s with %s lc rgb '%s' lw 2 dt %d pt %d ps 1.1 title ",
                      first ? "" : ", \\\n", name, block_of[k], sr->y_lo && sr->y_hi ? ":3:4" : "",
                      sr->y_lo && sr->y_hi ? "yerrorlines" : "linespoints", col, 1 + sr->dashed, pt);
        gp_str(&gp, sr->name);
        first = 0;
    }
    strbuf_printf(&gp, "\nset terminal svg size %d,%d font 'sans,11' linewidth 1.2 background rgb 'white'\n"
                       "set output '%s.svg'\nreplot\nunset output\n",
                  PLOT_WIDTH_PX, PLOT_HEIGHT_PX, name);
    free(block_of);
    free(xs);
    int rc = 0;
    if (strbuf_failed(&dat) || strbuf_failed(&gp)) {
        rc = err_set(e, "out of memory writing plot %s", name);
    } else {
        snprintf(path, sizeof path, "%s/data/%s.dat", dir, name);
        if (file_write_atomic(path, dat.s, dat.len, e) != 0) rc = -1;
        snprintf(path, sizeof path, "%s/data/%s.gp", dir, name);
        if (rc == 0 && file_write_atomic(path, gp.s, gp.len, e) != 0) rc = -1;
    }
    strbuf_deinit(&dat);
    strbuf_deinit(&gp);
    return rc;
}

static int nonempty_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

int plot_render(const char *gnuplot, const char *dir, const char *name, errbuf *e) {
    char script[512], log_path[4096], png[4096], svg[4096];
    snprintf(script, sizeof script, "data/%s.gp", name);
    snprintf(log_path, sizeof log_path, "%s/data/%s.log", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    snprintf(svg, sizeof svg, "%s/%s.svg", dir, name);
    unlink(png);
    unlink(svg);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return err_errno(e, "fork to run %s", gnuplot);
    if (pid == 0) {
        /* The child only sets up its descriptors and execs; on any failure
         * it ends at once with a status the parent reports. */
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || chdir(dir) != 0) _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) dup2(nul, 0);
        execl(gnuplot, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_errno(e, "waiting for %s", gnuplot);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !nonempty_file(png) || !nonempty_file(svg)) {
        char first[300] = "";
        FILE *f = fopen(log_path, "r");
        if (f) {
            char line[300];
            while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\r\n")] = 0;
                if (line[0] && strspn(line, " ^") != strlen(line)) {
                    snprintf(first, sizeof first, "%s", line);
                    if (strstr(line, "rror") || strstr(line, "arning")) break;
                }
            }
            fclose(f);
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return err_set(e, "%s on %s/%s (exit status %d)%s%s%s", gnuplot, dir, script, code,
                       code == 127 ? ": could not be started" : code == 126 ? ": could not open the log or directory" : "",
                       first[0] ? ": " : "", first);
    }
    return 0;
}
