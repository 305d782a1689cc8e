/* tests/fuzz/fuzz_task_spec.c: libFuzzer target for the task spec parser
 * and the template language. Any input must be accepted or rejected with a
 * message, never crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tasks/spec.h"
#include "tasks/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    errbuf e;
    task_set *s = task_set_create(&e);
    if (s && task_set_add_text(s, "fuzz.json", text, &e) == 0) task_set_check(s, &e);
    task_set_free(s);
    /* the same bytes as a template, rendered against a small record */
    task_tmpl *t = task_tmpl_parse(text, &e);
    if (t) {
        cJSON *doc = cJSON_Parse("{\"a\": \"x y\", \"b\": [1, \"2\"], \"c\": {\"d\": \"e\"}, \"n\": 3}");
        strbuf b;
        strbuf_init(&b);
        task_tmpl_render_text(t, doc, &b, &e);
        strbuf_deinit(&b);
        cJSON *v = NULL;
        if (task_tmpl_render_value(t, doc, &v, &e) == 0) cJSON_Delete(v);
        cJSON_Delete(doc);
        task_tmpl_free(t);
    }
    free(text);
    return 0;
}
