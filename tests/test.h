/* tests/test.h: the one test runner's registration and check macros.
 *
 * A test is `TEST(folder_name) { ... }` in any tests/test_*.c file; it
 * registers itself at start-up, so adding a test touches no shared list.
 * Checks record a failure with file:line and a message and carry on; use
 * `if (!CHECK(...)) return;` where later lines would crash. SKIP prints its
 * reason and ends the test. Tests must not depend on each other's order. */
#ifndef GRIFFIN_TESTS_TEST_H
#define GRIFFIN_TESTS_TEST_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn);
/* Records a failure (printf-style message); always returns 0. */
int  test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int  test_skipped(void);
/* Path of ../shared relative to the repository root, or NULL when absent. */
const char *test_shared_dir(void);
/* A fresh empty directory under the build's scratch space for this test. */
const char *test_tmpdir(void);
/* Path of the griffin binary the tests exercise end to end. */
const char *test_griffin_bin(void);
/* Runs a shell command and returns its exit code (-1 if it did not exit
 * normally); with out, what it writes to stdout (at most cap - 1 bytes,
 * NUL-terminated). */
int test_run_cmd(const char *cmd, char *out, size_t cap);
/* Writes text to path; 0, or -1 with the failure recorded in the test. */
int test_write_text(const char *path, const char *text);

#define TEST(name)                                                          \
    static void test_##name(void);                                          \
    __attribute__((constructor)) static void test_reg_##name(void) {        \
        test_register(#name, test_##name);                                  \
    }                                                                       \
    static void test_##name(void)

#define CHECK(cond) ((cond) ? 1 : test_fail_at(__FILE__, __LINE__, "%s", #cond))
#define CHECKF(cond, ...) ((cond) ? 1 : test_fail_at(__FILE__, __LINE__, __VA_ARGS__))
#define CHECK_EQ_INT(a, b)                                                   \
    CHECKF((long long)(a) == (long long)(b), "%s == %s: got %lld, expected %lld", \
           #a, #b, (long long)(a), (long long)(b))
#define CHECK_NEAR(a, b, tol)                                                \
    CHECKF(fabs((double)(a) - (double)(b)) <= (tol), "%s = %.9g, expected %.9g (tol %g)", \
           #a, (double)(a), (double)(b), (double)(tol))
#define SKIP(...)           \
    do {                    \
        test_skip(__VA_ARGS__); \
        return;             \
    } while (0)

#endif
