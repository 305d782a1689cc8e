/* harness/commands.c: the subcommand table --help lists. */
#include "harness/commands.h"

int cmd_logits(cli_ctx *ctx, int argc, char **argv);
int cmd_info(cli_ctx *ctx, int argc, char **argv);
int cmd_init_model(cli_ctx *ctx, int argc, char **argv);
int cmd_generate(cli_ctx *ctx, int argc, char **argv);
int cmd_tokenize(cli_ctx *ctx, int argc, char **argv);
int cmd_results(cli_ctx *ctx, int argc, char **argv);
int cmd_eval(cli_ctx *ctx, int argc, char **argv);
int cmd_fetch(cli_ctx *ctx, int argc, char **argv);
int cmd_toxicity(cli_ctx *ctx, int argc, char **argv);
int cmd_safety(cli_ctx *ctx, int argc, char **argv);
int cmd_roofline(cli_ctx *ctx, int argc, char **argv);
int cmd_quantize(cli_ctx *ctx, int argc, char **argv);
int cmd_bench(cli_ctx *ctx, int argc, char **argv);
int cmd_report(cli_ctx *ctx, int argc, char **argv);

const cmd_entry cmd_table[] = {
    {"eval", cmd_eval, "evaluate a model on tasks or a suite (lm-eval semantics), results into the store",
     "griffin eval --model DIR --suite smoke --data-dir datasets/samples"},
    {"logits", cmd_logits, "write the logits of a token sequence (float32, [rows, vocab])",
     "griffin logits --model DIR --tokens 2,651,1000 --out logits.f32"},
    {"generate", cmd_generate, "generate text from a prompt (greedy or sampled), streaming to stdout",
     "griffin generate --model DIR --prompt 'Once upon a time' -n 32"},
    {"init-model", cmd_init_model, "write a random-weight checkpoint from a preset",
     "griffin init-model --preset small --dtype bf16 --out models/small"},
    {"toxicity", cmd_toxicity, "train the offline toxicity scorer; score texts (offline or Perspective API)",
     "griffin toxicity score --text 'have a nice day'"},
    {"safety", cmd_safety, "safety suite + release gates (exit 3 on a failed gate); train-scorer; report",
     "griffin safety --model DIR --data-dir ../shared/datasets --report out/safety"},
    {"info", cmd_info, "print a model's config, parameters, weight and state bytes", "griffin info --model DIR"},
    {"tokenize", cmd_tokenize, "encode text to token ids or pieces, or decode ids", "griffin tokenize --text 'The answer is 42.'"},
    {"bench", cmd_bench, "prefill/decode throughput and memory against length, several models side by side",
     "griffin bench --model models/small --model models/gemma-small --gen-lens 128,2048,8192"},
    {"report", cmd_report, "HTML and Markdown report (tables, gnuplot plots) from a results store",
     "griffin report --db results.db --out out/report"},
    {"results", cmd_results, "list the runs in a results store, or one run's metrics; merge stores",
     "griffin results --db results.db --run 3"},
    {"fetch", cmd_fetch, "list the dataset registry; download and verify a dataset into the cache",
     "griffin fetch dataset gsm8k --split test"},
    {"roofline", cmd_roofline, "measure memory bandwidth and peak arithmetic (the roofline)", "griffin roofline --json"},
    {"quantize", cmd_quantize, "write a copy of a model with int8 or 4-bit weights", "griffin quantize --model DIR --to int8 --out DIR8"},
    {0, 0, 0, 0},
};
