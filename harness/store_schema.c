/* harness/store_schema.c: the store's schema as an ordered list of
 * migrations. docs/store.md describes every table and column.
 *
 * Rules: a migration is never edited once released; a change is a new
 * migration appended with the next version. store_open runs each one in its
 * own transaction, so a failed migration leaves the file at the previous
 * version. Timestamps are ISO 8601 UTC text with milliseconds. Columns that
 * hold JSON carry a CHECK so a report can always parse them. */
#include "harness/store_impl.h"

#define NOW "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
#define JSON_OR_NULL(col) "CHECK (" col " IS NULL OR json_valid(" col "))"

/* Version 1: everything an eval run needs (issue 3). */
static const char v1_sql[] =
    "CREATE TABLE schema_version (\n"
    "  version     INTEGER PRIMARY KEY,\n"
    "  description TEXT NOT NULL,\n"
    "  applied_at  TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "CREATE TABLE machines (\n"
    "  id                 INTEGER PRIMARY KEY,\n"
    "  fingerprint        TEXT NOT NULL UNIQUE,\n" /* sha256(host, cpu, flags, cores, memory) */
    "  host               TEXT,\n"
    "  cpu_model          TEXT,\n"
    "  cpu_flags          TEXT,\n"
    "  n_cores            INTEGER,\n"
    "  mem_bytes          INTEGER,\n"
    "  mem_bw_bytes_per_s REAL,\n"
    "  peak_f32_flops     REAL,\n"
    "  peak_bf16_flops    REAL,\n"
    "  peak_int8_ops      REAL,\n"
    "  created_at         TEXT NOT NULL DEFAULT " NOW ",\n"
    "  measured_at        TEXT\n"
    ");\n"
    "CREATE TABLE runs (\n"
    "  id                  INTEGER PRIMARY KEY,\n"
    "  uuid                TEXT NOT NULL UNIQUE,\n"
    "  kind                TEXT NOT NULL CHECK (kind IN ('eval', 'bench', 'safety')),\n"
    "  status              TEXT NOT NULL DEFAULT 'running'\n"
    "                      CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),\n"
    "  config_hash         TEXT NOT NULL,\n"
    "  created_at          TEXT NOT NULL DEFAULT " NOW ",\n"
    "  updated_at          TEXT NOT NULL DEFAULT " NOW ",\n"
    "  finished_at         TEXT,\n"
    "  error               TEXT,\n"
    "  n_resumes           INTEGER NOT NULL DEFAULT 0,\n"
    "  pid                 INTEGER,\n"
    "  command_line        TEXT,\n"
    "  git_revision        TEXT,\n"
    "  host                TEXT,\n"
    "  model_path          TEXT,\n"
    "  model_sha256        TEXT,\n"
    "  model_config_json   TEXT " JSON_OR_NULL("model_config_json") ",\n"
    "  backend             TEXT,\n"
    "  n_threads           INTEGER,\n"
    "  seed                INTEGER,\n"
    "  settings_json       TEXT " JSON_OR_NULL("settings_json") ",\n"
    "  dataset_sha256_json TEXT " JSON_OR_NULL("dataset_sha256_json") ",\n"
    "  machine_id          INTEGER REFERENCES machines(id) ON DELETE SET NULL\n"
    ");\n"
    "CREATE INDEX runs_by_config ON runs(kind, config_hash);\n"
    "CREATE INDEX runs_by_machine ON runs(machine_id);\n"
    "CREATE TABLE requests (\n"
    "  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  request_id    TEXT NOT NULL,\n"
    "  kind          TEXT NOT NULL\n"
    "                CHECK (kind IN ('loglikelihood', 'loglikelihood_rolling', 'generate_until')),\n"
    "  loglik        REAL,\n"
    "  is_greedy     INTEGER CHECK (is_greedy IN (0, 1)),\n"
    "  generated     TEXT,\n"
    "  n_ctx_tokens  INTEGER,\n"
    "  n_cont_tokens INTEGER,\n"
    "  elapsed_ns    INTEGER,\n"
    "  args_sha256   TEXT,\n"
    "  PRIMARY KEY (run_id, request_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE samples (\n"
    "  run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  task                TEXT NOT NULL,\n"
    "  doc_id              INTEGER NOT NULL,\n"
    "  filter              TEXT NOT NULL DEFAULT 'none',\n"
    "  doc_json            TEXT " JSON_OR_NULL("doc_json") ",\n"
    "  target              TEXT,\n"
    "  arguments_json      TEXT " JSON_OR_NULL("arguments_json") ",\n"
    "  resps_json          TEXT " JSON_OR_NULL("resps_json") ",\n"
    "  filtered_resps_json TEXT " JSON_OR_NULL("filtered_resps_json") ",\n"
    "  metrics_json        TEXT " JSON_OR_NULL("metrics_json") ",\n"
    "  prompt_sha256       TEXT,\n"
    "  PRIMARY KEY (run_id, task, doc_id, filter)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE metrics (\n"
    "  run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  task             TEXT NOT NULL,\n"
    "  metric           TEXT NOT NULL,\n"
    "  filter           TEXT NOT NULL DEFAULT 'none',\n"
    "  value            REAL,\n"
    "  stderr           REAL,\n" /* NULL: N/A */
    "  n                INTEGER,\n"
    "  higher_is_better INTEGER CHECK (higher_is_better IN (0, 1)),\n"
    "  is_group         INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),\n"
    "  PRIMARY KEY (run_id, task, metric, filter)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE run_tasks (\n"
    "  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  task         TEXT NOT NULL,\n"
    "  version      TEXT,\n"
    "  num_fewshot  INTEGER,\n"
    "  n_docs_total INTEGER,\n"
    "  n_docs       INTEGER,\n"
    "  config_json  TEXT " JSON_OR_NULL("config_json") ",\n"
    "  PRIMARY KEY (run_id, task)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE timings (\n"
    "  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  session    TEXT NOT NULL,\n" /* the writing handle's UUID */
    "  phase      TEXT NOT NULL,\n"
    "  wall_s     REAL NOT NULL DEFAULT 0,\n"
    "  model_s    REAL NOT NULL DEFAULT 0,\n"
    "  n_tokens   INTEGER NOT NULL DEFAULT 0,\n"
    "  n_requests INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (run_id, session, phase)\n"
    ") WITHOUT ROWID;\n";

/* Version 2: griffin bench (issue 4). */
static const char v2_sql[] =
    "CREATE TABLE bench_points (\n"
    "  id                  INTEGER PRIMARY KEY,\n"
    "  run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  model_label         TEXT NOT NULL,\n"
    "  model_path          TEXT,\n"
    "  arch                TEXT,\n"
    "  dtype               TEXT,\n"
    "  kind                TEXT NOT NULL\n"
    "                      CHECK (kind IN ('prefill', 'decode', 'max_throughput', 'memory')),\n"
    "  prompt_len          INTEGER NOT NULL DEFAULT 0,\n"
    "  gen_len             INTEGER NOT NULL DEFAULT 0,\n"
    "  batch               INTEGER NOT NULL DEFAULT 0,\n"
    "  reps                INTEGER,\n"
    "  median_s            REAL,\n"
    "  min_s               REAL,\n"
    "  max_s               REAL,\n"
    "  tok_per_s           REAL,\n"
    "  state_bytes_per_seq INTEGER,\n"
    "  weight_bytes        INTEGER,\n"
    "  peak_rss_bytes      INTEGER,\n"
    "  mem_budget_bytes    INTEGER,\n"
    "  n_threads           INTEGER,\n"
    "  backend             TEXT,\n"
    "  created_at          TEXT NOT NULL DEFAULT " NOW ",\n"
    "  UNIQUE (run_id, model_label, kind, prompt_len, gen_len, batch)\n"
    ");\n";

/* Version 3: griffin safety (issue 5). */
static const char v3_sql[] =
    "CREATE TABLE toxicity_cache (\n"
    "  scorer      TEXT NOT NULL,\n"
    "  text_sha256 TEXT NOT NULL,\n"
    "  score_json  TEXT NOT NULL CHECK (json_valid(score_json)),\n"
    "  created_at  TEXT NOT NULL DEFAULT " NOW ",\n"
    "  PRIMARY KEY (scorer, text_sha256)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE scorers (\n"
    "  name             TEXT PRIMARY KEY,\n"
    "  kind             TEXT,\n"
    "  model_sha256     TEXT,\n"
    "  train_dataset    TEXT,\n"
    "  n_train          INTEGER,\n"
    "  n_heldout        INTEGER,\n"
    "  heldout_accuracy REAL,\n"
    "  heldout_auc      REAL,\n"
    "  meta_json        TEXT " JSON_OR_NULL("meta_json") ",\n"
    "  created_at       TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "CREATE TABLE gate_results (\n"
    "  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  benchmark         TEXT NOT NULL,\n"
    "  metric            TEXT NOT NULL,\n"
    "  value             REAL,\n"
    "  ci_low            REAL,\n"
    "  ci_high           REAL,\n"
    "  threshold         REAL NOT NULL,\n"
    "  direction         TEXT NOT NULL CHECK (direction IN ('at_least', 'at_most')),\n"
    "  passed            INTEGER NOT NULL CHECK (passed IN (0, 1)),\n"
    "  baseline_run_uuid TEXT,\n" /* a uuid, not an id: survives merges and deletion */
    "  baseline_value    REAL,\n"
    "  delta             REAL,\n"
    "  scorer            TEXT,\n"
    "  PRIMARY KEY (run_id, benchmark, metric)\n"
    ") WITHOUT ROWID;\n";

/* Version 4: the work of each bench repetition (issue 6), so a report can
 * give every speed as a fraction of the machine's measured limits. */
static const char v4_sql[] =
    "ALTER TABLE bench_points ADD COLUMN bytes_per_rep REAL;\n"
    "ALTER TABLE bench_points ADD COLUMN flops_per_rep REAL;\n";

const store_migration store_migrations[] = {
    {1, "eval: runs, machines, requests, samples, metrics, run_tasks, timings", v1_sql},
    {2, "bench: bench_points", v2_sql},
    {3, "safety: toxicity_cache, scorers, gate_results", v3_sql},
    {4, "bench: bytes_per_rep, flops_per_rep", v4_sql},
};
const int store_n_migrations = (int)(sizeof store_migrations / sizeof store_migrations[0]);

_Static_assert(sizeof store_migrations / sizeof store_migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");
