/* reports/safety_plot.c: see safety_plot.h. */
#include "reports/safety_plot.h"

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

#define PLOT_PATH_BYTES 4096

int safety_plot_find_gnuplot(const char *request, char *out, size_t cap, errbuf *e) {
    const char *want = request && *request ? request : "gnuplot";
    if (!strcmp(want, "none")) return err_set(e, "charts were turned off (--gnuplot none)");
    if (strchr(want, '/')) {
        if (access(want, X_OK) == 0) {
            snprintf(out, cap, "%s", want);
            return 0;
        }
        return err_set(e, "gnuplot %s is not an executable file", want);
    }
    const char *path = getenv("PATH");
    if (!path || !*path) return err_set(e, "gnuplot was not found: PATH is empty");
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char cand[PLOT_PATH_BYTES];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)n, n ? p : ".", want);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            snprintf(out, cap, "%s", cand);
            return 0;
        }
        if (!colon) break;
        p = colon + 1;
    }
    return err_set(e, "gnuplot was not found on PATH (install it, e.g. apt-get install gnuplot-nox)");
}

/* gnuplot string literal in single quotes: '' stands for one quote. */
static void gp_str(strbuf *b, const char *s) {
    strbuf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'') strbuf_putc(b, '\'');
        strbuf_putc(b, *s == '\n' || *s == '\t' ? ' ' : *s);
    }
    strbuf_putc(b, '\'');
}

int safety_plot_write(const safety_bar_chart *c, const char *dir, const char *name, errbuf *e) {
    if (c->n_series < 1 || c->n_series > SAFETY_PLOT_MAX_SERIES || c->n_cats < 1)
        return err_set(e, "chart %s: expected 1 to %d series and at least one category", name, SAFETY_PLOT_MAX_SERIES);
    char path[PLOT_PATH_BYTES];
    snprintf(path, sizeof path, "%s/plots", dir);
    if (file_mkdirs(path, e) != 0) return -1;
    strbuf d, g;
    strbuf_init(&d);
    strbuf_init(&g);
    /* data: category, then one column per series (tab-separated; NaN missing) */
    strbuf_puts(&d, "# category");
    for (int s = 0; s < c->n_series; s++) strbuf_printf(&d, "\t%s", c->series[s]);
    strbuf_putc(&d, '\n');
    double ymin = 0, ymax = 0;
    for (int i = 0; i < c->n_cats; i++) {
        for (const char *p = c->cats[i]; *p; p++) strbuf_putc(&d, *p == '\t' || *p == '\n' ? ' ' : *p);
        for (int s = 0; s < c->n_series; s++) {
            double v = c->values[s][i];
            if (isnan(v) || isinf(v)) {
                strbuf_puts(&d, "\tNaN");
                continue;
            }
            strbuf_printf(&d, "\t%.9g", v);
            if (v < ymin) ymin = v;
            if (v > ymax) ymax = v;
        }
        strbuf_putc(&d, '\n');
    }
    for (int l = 0; l < c->n_lines; l++) {
        if (c->line_y[l] < ymin) ymin = c->line_y[l];
        if (c->line_y[l] > ymax) ymax = c->line_y[l];
    }
    double pad = (ymax - ymin) * 0.12;
    if (pad <= 0) pad = 0.1;
    /* script: PNG (cairo when present) then SVG from the same plot */
    strbuf_puts(&g, "# griffin safety report chart; run from the report folder: gnuplot plots/");
    strbuf_printf(&g, "%s.gp\n", name);
    strbuf_puts(&g, "set datafile separator '\\t'\nset datafile missing 'NaN'\n");
    strbuf_puts(&g, "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n");
    strbuf_puts(&g, "set boxwidth 0.9\nset grid ytics\nset key outside top center horizontal noenhanced\n");
    strbuf_puts(&g, "set xtics rotate by -30 noenhanced\n");
    strbuf_puts(&g, "set title ");
    gp_str(&g, c->title);
    strbuf_puts(&g, " noenhanced\nset ylabel ");
    gp_str(&g, c->ylabel ? c->ylabel : "");
    strbuf_puts(&g, " noenhanced\n");
    strbuf_printf(&g, "set yrange [%.9g:%.9g]\n", ymin < 0 ? ymin - pad : 0, ymax + pad);
    if (ymin < 0) strbuf_puts(&g, "set xzeroaxis lt -1\n");
    for (int l = 0; l < c->n_lines; l++) {
        strbuf_printf(&g, "set arrow from graph 0, first %.9g to graph 1, first %.9g nohead dt 2 lw 2 lc rgb '#c0392b'\n",
                      c->line_y[l], c->line_y[l]);
        if (c->line_label[l]) {
            strbuf_printf(&g, "set label ");
            gp_str(&g, c->line_label[l]);
            strbuf_printf(&g, " at graph 0.99, first %.9g right offset 0, 0.6 tc rgb '#c0392b' front noenhanced\n",
                          c->line_y[l]);
        }
    }
    strbuf_printf(&g,
                  "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size %d,%d noenhanced } "
                  "else { set terminal png size %d,%d }\n",
                  SAFETY_PLOT_WIDTH_PX, SAFETY_PLOT_HEIGHT_PX, SAFETY_PLOT_WIDTH_PX, SAFETY_PLOT_HEIGHT_PX);
    strbuf_printf(&g, "set output 'plots/%s.png'\nplot ", name);
    for (int s = 0; s < c->n_series; s++) {
        strbuf_printf(&g, "%s'plots/%s.dat' using %d%s title ", s ? ", " : "", name, s + 2, s ? "" : ":xtic(1)");
        gp_str(&g, c->series[s]);
    }
    strbuf_putc(&g, '\n');
    strbuf_printf(&g, "set terminal svg size %d,%d noenhanced\nset output 'plots/%s.svg'\nreplot\nset output\n",
                  SAFETY_PLOT_WIDTH_PX, SAFETY_PLOT_HEIGHT_PX, name);
    int rc = 0;
    if (strbuf_failed(&d) || strbuf_failed(&g)) rc = err_set(e, "chart %s: out of memory", name);
    snprintf(path, sizeof path, "%s/plots/%s.dat", dir, name);
    if (rc == 0) rc = file_write_atomic(path, strbuf_str(&d), d.len, e);
    snprintf(path, sizeof path, "%s/plots/%s.gp", dir, name);
    if (rc == 0) rc = file_write_atomic(path, strbuf_str(&g), g.len, e);
    strbuf_deinit(&d);
    strbuf_deinit(&g);
    return rc;
}

int safety_plot_render(const char *gnuplot, const char *dir, const char *name, errbuf *e) {
    char script[PLOT_PATH_BYTES], log[PLOT_PATH_BYTES];
    snprintf(script, sizeof script, "plots/%s.gp", name);
    snprintf(log, sizeof log, "%s/plots/%s.log", dir, name);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return err_errno(e, "%s", log);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd);
        return err_errno(e, "fork for gnuplot");
    }
    if (pid == 0) {
        /* the child: gnuplot in dir, its output to the log, no terminal */
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (chdir(dir) != 0) _exit(126);
        execl(gnuplot, gnuplot, script, (char *)NULL);
        _exit(127);
    }
    close(fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_errno(e, "waiting for gnuplot");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        char png[PLOT_PATH_BYTES];
        snprintf(png, sizeof png, "%s/plots/%s.png", dir, name);
        if (file_exists(png)) return 0;
        return err_set(e, "gnuplot made no %s (see %s)", png, log);
    }
    char *out = file_read_all(log, 1 << 20, NULL, NULL);
    char first[200] = "";
    if (out) {
        const char *l = out;
        while (*l == '\n' || *l == ' ') l++;
        snprintf(first, sizeof first, "%.*s", (int)strcspn(l, "\n"), l);
        free(out);
    }
    return err_set(e, "gnuplot failed on %s/%s (exit %d): %s (all of it in %s)", dir, script,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1, first[0] ? first : "no output", log);
}
