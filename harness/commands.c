/* harness/commands.c: the subcommand table --help lists. */
#include "harness/commands.h"

int cmd_logits(cli_ctx *ctx, int argc, char **argv);
int cmd_info(cli_ctx *ctx, int argc, char **argv);
int cmd_init_model(cli_ctx *ctx, int argc, char **argv);
int cmd_generate(cli_ctx *ctx, int argc, char **argv);
int cmd_roofline(cli_ctx *ctx, int argc, char **argv);
int cmd_quantize(cli_ctx *ctx, int argc, char **argv);

const cmd_entry cmd_table[] = {
    {"logits", cmd_logits, "write the logits of a token sequence (float32, [rows, vocab])",
     "griffin logits --model DIR --tokens 2,651,1000 --out logits.f32"},
    {"generate", cmd_generate, "generate text from a prompt (greedy or sampled), streaming to stdout",
     "griffin generate --model DIR --prompt 'Once upon a time' -n 32"},
    {"init-model", cmd_init_model, "write a random-weight checkpoint from a preset",
     "griffin init-model --preset small --dtype bf16 --out models/small"},
    {"info", cmd_info, "print a model's config, parameters, weight and state bytes", "griffin info --model DIR"},
    {"roofline", cmd_roofline, "measure memory bandwidth and peak arithmetic (the roofline)", "griffin roofline --json"},
    {"quantize", cmd_quantize, "write a copy of a model with int8 or 4-bit weights", "griffin quantize --model DIR --to int8 --out DIR8"},
    {0, 0, 0, 0},
};
