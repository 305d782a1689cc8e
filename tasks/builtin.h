/* tasks/builtin.h: the spec and suite files embedded in the binary.
 *
 * The table is generated at build time  from the JSON files in tasks/specs/ and
 * tasks/suites/ by tools/embed_specs.sh (see the Makefile), so the
 * binary needs no files at run time and the JSON stays the source. */
#ifndef GRIFFIN_TASKS_BUILTIN_H
#define GRIFFIN_TASKS_BUILTIN_H

typedef struct task_builtin_file {
    const char *path; /* as in the repository, e.g. "tasks/specs/arc_easy.json" */
    const char *text; /* the file's bytes, NUL-terminated */
} task_builtin_file;

extern const task_builtin_file task_builtin_files[];
extern const int task_builtin_n_files;

#endif
