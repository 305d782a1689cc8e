/* datasets/json.h: JSON documents and JSON Lines, with positions in errors.
 *
 * Parsing is cJSON's; what this adds is the file, line and column of a syntax
 * error, the rule that a JSONL line holds exactly one object (no trailing
 * text), and blank-line and byte-order-mark handling. */
#ifndef GRIFFIN_DATASETS_JSON_H
#define GRIFFIN_DATASETS_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/err.h"

/* Parses a whole document buf[0..n) (an object or an array; a UTF-8 BOM is
 * skipped). Returns the tree (caller cJSON_Deletes it) or NULL with
 * "<name>:<line>:<col>: invalid JSON ...". */
cJSON *ds_json_parse(const char *buf, size_t n, const char *name, errbuf *e);

typedef struct ds_jsonl {
    const char *name; /* borrowed, for messages */
    const char *buf, *p, *end;
    int line;
} ds_jsonl;

void ds_jsonl_init(ds_jsonl *r, const char *buf, size_t n, const char *name);
/* Returns 1 with the next record (a JSON object; caller cJSON_Deletes it)
 * and the line it is on, 0 at the end, -1 on a malformed line ("<name>:<line>:
 * <reason>"). Lines that are empty or white space are skipped. */
int ds_jsonl_next(ds_jsonl *r, cJSON **obj, int *line, errbuf *e);

/* A short name for a cJSON value's type ("string", "array", ...), for
 * messages like `field "gold": expected a number, got string`. */
const char *ds_json_type_name(const cJSON *v);

#endif
