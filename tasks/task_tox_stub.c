/* tasks/task_tox_stub.c: placeholders for the toxicity hooks the safety
 * tasks add (issue 5): no task needs toxicity until they land. Remove this
 * file when tasks/task.c implements them. */
#include "tasks/task.h"

int task_inst_needs_toxicity(const task_inst *t) {
    (void)t;
    return 0;
}

int task_inst_set_toxicity(task_inst *t, int doc, int idx, double toxicity, errbuf *e) {
    (void)t;
    (void)doc;
    (void)idx;
    (void)toxicity;
    return err_set(e, "no task here scores toxicity");
}
