/* tests/test_tox_cli.c: `griffin toxicity` end to end: train on a small
 * hand-made ToxiGen folder, score with the model, reject bad usage and
 * corrupt models, and score through the Perspective client against the
 * loopback server (the key never printed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/fileio.h"
#include "tests/test.h"
#include "tests/test_tox_server.h"

/* DIR/toxigen/prompts/{hate,neutral}_z_1k.txt in ToxiGen's prompt format. */
static int make_data(const char *dir) {
    char p[1024];
    errbuf e;
    snprintf(p, sizeof p, "%s/toxigen/prompts", dir);
    if (!CHECK(file_mkdirs(p, &e) == 0)) return -1;
    snprintf(p, sizeof p, "%s/toxigen/prompts/hate_z_1k.txt", dir);
    if (test_write_text(p, "- the zorbs are filthy vermin\\n- all glims are stupid and disgusting\\n-\n"
                      "- I hate the zorbs, they are vermin\\n- glims are worthless stupid animals\\n-\n"
                      "- those disgusting zorbs ruin it\\n- filthy glims should be thrown out\\n-\n"
                      "- zorbs are stupid worthless trash\\n- glims are vermin and trash\\n-\n") != 0)
        return -1;
    snprintf(p, sizeof p, "%s/toxigen/prompts/neutral_z_1k.txt", dir);
    return test_write_text(p, "- the zorbs are kind neighbours\\n- all glims are welcome here\\n-\n"
                         "- I love the zorbs, they are great\\n- glims are generous and thoughtful\\n-\n"
                         "- those wonderful zorbs helped us\\n- kind glims should be celebrated\\n-\n"
                         "- zorbs are great friends to have\\n- glims are welcome and appreciated\\n-\n");
}

TEST(tox_cli_train_score_info) {
    const char *dir = test_tmpdir(), *g = test_griffin_bin();
    if (make_data(dir) != 0) return;
    char cmd[4096], out[16384];
    snprintf(cmd, sizeof cmd, "%s toxicity train --data-dir %s --out %s/m/model.bin --holdout-pct 0 2>&1", g, dir, dir);
    int rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 0 && strstr(out, "16 sentences (8 toxic)") && strstr(out, "accuracy 1.000") &&
               strstr(out, "offline-logreg-v1 (held-out acc n/a, AUC n/a)"),
           "rc %d: %s", rc, out);
    snprintf(cmd, sizeof cmd,
             "%s toxicity score --model %s/m/model.bin --text 'stupid filthy vermin' 2>/dev/null", g, dir);
    rc = test_run_cmd(cmd, out, sizeof out);
    double p = -1;
    const char *row = strstr(out, "toxicity\ttext\n");
    if (row) sscanf(row + strlen("toxicity\ttext\n"), "%lf", &p);
    CHECKF(rc == 0 && strstr(out, "# scorer: offline-logreg-v1") && p > 0.5, "rc %d p %g: %s", rc, p, out);
    /* a file of texts, JSON lines */
    char texts[1024];
    snprintf(texts, sizeof texts, "%s/texts.txt", dir);
    test_write_text(texts, "kind generous friends\n\nstupid \"vermin\"\tglims\n");
    snprintf(cmd, sizeof cmd, "%s toxicity score --model %s/m/model.bin --file %s --json 2>/dev/null", g, dir, texts);
    rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 0 && strstr(out, "{\"text\": \"kind generous friends\", \"status\": \"ok\", \"toxicity\": 0.") &&
               strstr(out, "\"text\": \"stupid \\\"vermin\\\"\\u0009glims\"") && strstr(out, "\"scorer\": \"offline-logreg-v1@"),
           "rc %d: %s", rc, out);
    snprintf(cmd, sizeof cmd, "%s toxicity info --model %s/m/model.bin 2>&1", g, dir);
    rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 0 && strstr(out, "checksum") && strstr(out, "2^18 slots"), "rc %d: %s", rc, out);
    /* a corrupt model is a runtime error naming the file and the problem */
    char model[1024];
    snprintf(model, sizeof model, "%s/m/model.bin", dir);
    size_t n;
    errbuf e;
    char *b = file_read_all(model, 1u << 24, &n, &e);
    if (CHECKF(b, "%s", e.msg)) {
        b[n / 2] ^= 1;
        file_write_atomic(model, b, n, &e);
        free(b);
    }
    snprintf(cmd, sizeof cmd, "%s toxicity score --model %s --text x 2>&1", g, model);
    rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 1 && strstr(out, model) && strstr(out, "checksum mismatch"), "rc %d: %s", rc, out);
}

TEST(tox_cli_usage_errors) {
    const char *g = test_griffin_bin(), *dir = test_tmpdir();
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd, "%s toxicity --help 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 0 && strstr(out, "train") && strstr(out, "score"));
    snprintf(cmd, sizeof cmd, "%s toxicity 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2);
    snprintf(cmd, sizeof cmd, "%s toxicity frob 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "unknown subcommand 'frob'"));
    snprintf(cmd, sizeof cmd, "%s toxicity score 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "exactly one of --text and --file"));
    snprintf(cmd, sizeof cmd, "%s toxicity score --text a --scorer magic 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "--scorer: expected offline or perspective"));
    snprintf(cmd, sizeof cmd, "%s toxicity score --text a --compat yes 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "--compat: expected lmeval"));
    snprintf(cmd, sizeof cmd, "%s toxicity train --data-dir %s --holdout-pct 80 2>&1", g, dir);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "out of range"));
    snprintf(cmd, sizeof cmd, "%s toxicity train --data-dir %s/nowhere --out %s/x.bin 2>&1", g, dir, dir);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 1 && strstr(out, "nowhere/toxigen"));
    snprintf(cmd, sizeof cmd, "%s toxicity score --model %s/absent.bin --text a 2>&1", g, dir);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 1 && strstr(out, "absent.bin: no offline model there") &&
          strstr(out, "griffin toxicity train"));
    snprintf(cmd, sizeof cmd, "env -u PERSPECTIVE_API_KEY %s toxicity score --scorer perspective --text a 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 1 && strstr(out, "PERSPECTIVE_API_KEY is not set"));
}

#define CLI_KEY "cli-SECRET-4242"

TEST(tox_cli_perspective_against_loopback) {
    const srv_reply script[] = {
        {200, NULL, NULL, 0},
        {500, NULL, "{\"error\": {\"message\": \"boom, key " CLI_KEY "\"}}", 0},
        {500, NULL, "{}", 0},
    };
    srv s;
    char why[256], url[128], cmd[4096], out[16384];
    if (!CHECKF(srv_start(&s, script, 3, why, sizeof why) == 0, "loopback server: %s", why)) return;
    srv_base_url(&s, url, sizeof url);
    const char *g = test_griffin_bin();
    snprintf(cmd, sizeof cmd,
             "PERSPECTIVE_API_KEY=" CLI_KEY " %s toxicity score --scorer perspective --base-url %s --qps 100 "
             "--max-attempts 1 --attributes INSULT --text 'score=0.625 hello' --json 2>&1",
             g, url);
    int rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 0 && strstr(out, "\"toxicity\": 0.625000, \"attributes\": {\"INSULT\": 0.625000}") &&
               strstr(out, "\"scorer\": \"perspective:TOXICITY,INSULT\""),
           "rc %d: %s", rc, out);
    /* a failure: exit 1, the text reported missing, the key not printed */
    snprintf(cmd, sizeof cmd,
             "PERSPECTIVE_API_KEY=" CLI_KEY " %s toxicity score --scorer perspective --base-url %s --qps 100 "
             "--max-attempts 1 --text 'score=0.2' 2>&1",
             g, url);
    rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 1 && strstr(out, "missing\tscore=0.2") && strstr(out, "1 of 1 texts could not be scored") &&
               !strstr(out, CLI_KEY) && strstr(out, "<redacted>"),
           "rc %d: %s", rc, out);
    /* --compat lmeval: the failure counts as 0 and the run succeeds */
    snprintf(cmd, sizeof cmd,
             "PERSPECTIVE_API_KEY=" CLI_KEY " %s toxicity score --scorer perspective --base-url %s --qps 100 "
             "--max-attempts 1 --compat lmeval --text 'score=0.9' 2>&1",
             g, url);
    rc = test_run_cmd(cmd, out, sizeof out);
    CHECKF(rc == 0 && strstr(out, "0.0000\tscore=0.9") && strstr(out, "scored 0 (--compat lmeval)"), "rc %d: %s", rc,
           out);
    srv_free(&s);
}
