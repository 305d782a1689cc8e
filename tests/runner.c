/* tests/runner.c: runs every registered test, or those whose name contains
 * one of the arguments; prints a line per test and `N passed, N failed`. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

#define MAX_TESTS 4096

typedef struct {
    const char *name;
    test_fn fn;
} test_entry;

static test_entry tests[MAX_TESTS];
static int n_tests;
static int cur_failures;
static int cur_skipped;
static char cur_skip_reason[512];
static char cur_tmpdir[1024];
static const char *cur_name;
static char first_failure[1024];

void test_register(const char *name, test_fn fn) {
    if (n_tests >= MAX_TESTS) {
        fprintf(stderr, "too many tests (limit %d)\n", MAX_TESTS);
        exit(2);
    }
    tests[n_tests].name = name;
    tests[n_tests].fn = fn;
    n_tests++;
}

int test_fail_at(const char *file, int line, const char *fmt, ...) {
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cur_failures == 0) snprintf(first_failure, sizeof first_failure, "%s:%d: %s", file, line, msg);
    else if (cur_failures < 8) fprintf(stderr, "     also %s:%d: %s\n", file, line, msg);
    cur_failures++;
    return 0;
}

void test_skip(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cur_skip_reason, sizeof cur_skip_reason, fmt, ap);
    va_end(ap);
    cur_skipped = 1;
}

int test_skipped(void) { return cur_skipped; }

const char *test_shared_dir(void) {
    static char path[1024];
    const char *env = getenv("GRIFFIN_SHARED");
    snprintf(path, sizeof path, "%s", env ? env : "../shared");
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
    return path;
}

static void rm_rf(const char *path) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

const char *test_tmpdir(void) {
    if (cur_tmpdir[0]) return cur_tmpdir;
    const char *base = getenv("GRIFFIN_TEST_TMP");
    snprintf(cur_tmpdir, sizeof cur_tmpdir, "%s/%s", base ? base : "build/test-tmp", cur_name);
    rm_rf(cur_tmpdir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", cur_tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not create %s\n", cur_tmpdir);
    return cur_tmpdir;
}

const char *test_griffin_bin(void) {
    const char *env = getenv("GRIFFIN_BIN");
    return env ? env : "./griffin";
}

int test_run_cmd(const char *cmd, char *out, size_t cap) {
    int st;
    if (out) {
        FILE *p = popen(cmd, "r");
        if (!p) return -1;
        size_t n = fread(out, 1, cap - 1, p);
        out[n] = 0;
        st = pclose(p);
    } else {
        st = system(cmd);
    }
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int test_write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = 0;
    return ok ? 0 : test_fail_at(__FILE__, __LINE__, "could not write %s", path) - 1;
}

static int matches(const char *name, int argc, char **argv) {
    if (argc <= 1) return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i])) return 1;
    return 0;
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const test_entry *)a)->name, ((const test_entry *)b)->name);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    qsort(tests, (size_t)n_tests, sizeof tests[0], cmp_entry);
    int passed = 0, failed = 0, skipped = 0;
    for (int i = 0; i < n_tests; i++) {
        if (!matches(tests[i].name, argc, argv)) continue;
        cur_failures = 0;
        cur_skipped = 0;
        cur_tmpdir[0] = 0;
        cur_name = tests[i].name;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        tests[i].fn();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (cur_failures) {
            printf("FAIL %s: %s\n", tests[i].name, first_failure);
            failed++;
        } else if (cur_skipped) {
            printf("skip %s: %s\n", tests[i].name, cur_skip_reason);
            skipped++;
        } else {
            printf("ok   %s%s\n", tests[i].name, ms > 2000 ? " (slow)" : "");
            passed++;
        }
        if (cur_tmpdir[0] && !cur_failures && !getenv("GRIFFIN_KEEP_TMP")) rm_rf(cur_tmpdir);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
