/* poolmon plugin ABI.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `poolmon_plugin`, a const struct pm_plugin.  The loader rejects a plugin
 * whose ABI major differs from its own; new fields are only ever added at the
 * end of a struct, behind a minor-version check (the sudo plugin model).
 *
 * Build a plugin:  cc -shared -fPIC $(pkg-config --cflags poolmon-plugin) \
 *                     -o myplugin.so myplugin.c
 */
#ifndef POOLMON_PLUGIN_H
#define POOLMON_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POOLMON_ABI_MAJOR 1
#define POOLMON_ABI_MINOR 0
#define POOLMON_ABI_VERSION ((POOLMON_ABI_MAJOR << 16) | POOLMON_ABI_MINOR)
#define POOLMON_ABI_GET_MAJOR(v) ((uint32_t)(v) >> 16)
#define POOLMON_ABI_GET_MINOR(v) ((uint32_t)(v) & 0xffffu)
#define POOLMON_PLUGIN_SYMBOL "poolmon_plugin"

/* Typed values: the arguments and results of tasks. */
typedef enum pm_type {
	PM_NONE = 0,
	PM_INT,
	PM_FLOAT,
	PM_STR,
	PM_BYTES,
	PM_LIST,
} pm_type;

typedef struct pm_value {
	pm_type type;
	union {
		int64_t i;
		double f;
		struct {
			char *ptr; /* PM_STR: NUL-terminated; PM_BYTES: raw */
			size_t len;
		} s;
		struct {
			struct pm_value *items;
			size_t len;
		} list;
	} u;
} pm_value;

/* Results are owned by poolmon once returned: strings, bytes and list items
 * must come from malloc() (these helpers do that). */
static inline pm_value pm_none(void)
{
	pm_value v;
	memset(&v, 0, sizeof v);
	return v;
}

static inline pm_value pm_int(int64_t i)
{
	pm_value v = pm_none();
	v.type = PM_INT;
	v.u.i = i;
	return v;
}

static inline pm_value pm_float(double f)
{
	pm_value v = pm_none();
	v.type = PM_FLOAT;
	v.u.f = f;
	return v;
}

/* Returns PM_NONE if allocation fails. */
static inline pm_value pm_str(const char *s)
{
	pm_value v = pm_none();
	size_t len = strlen(s);
	char *p = (char *)malloc(len + 1);
	if (!p)
		return v;
	memcpy(p, s, len + 1);
	v.type = PM_STR;
	v.u.s.ptr = p;
	v.u.s.len = len;
	return v;
}

typedef struct pm_ctx pm_ctx;

/* What a task sees of poolmon while it runs.  Use the accessor functions;
 * `size` lets a plugin check whether a later field exists. */
struct pm_ctx {
	uint32_t size;
	const char *task_id;   /* "t3" */
	const char *worker_id; /* "w2", or "p1" for a standalone process */
	/* Non-zero once the task should stop early (terminate, timeout). */
	int (*cancelled)(pm_ctx *ctx);
	/* Progress 0..1, shown in the TUI. */
	void (*progress)(pm_ctx *ctx, double fraction);
	/* One line for the log pane / JSON `log` event. */
	void (*log)(pm_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Set the error message of a failing task; return the task's -1. */
	int (*fail)(pm_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* A shared object (value, array, queue, lock…) by name, or NULL. */
	void *(*shared)(pm_ctx *ctx, const char *name);
	void *host; /* poolmon's, do not touch */
};

/* A task: returns 0 and sets *result, or returns -1 after ctx->fail(). */
typedef int (*pm_task_fn)(pm_ctx *ctx, const pm_value *args, size_t nargs,
			  pm_value *result);

struct pm_task_def {
	const char *name;      /* "square" */
	const char *signature; /* "n:int" or "a:int, b:float, s:str"; "" for none */
	const char *result;    /* "int", "float", "str", "bytes", "list", "none" */
	const char *help;      /* one line */
	pm_task_fn fn;
};

struct pm_plugin {
	uint32_t abi_version; /* POOLMON_ABI_VERSION */
	const char *name;     /* "demo": tasks are "demo.square" */
	const char *version;
	const char *description;
	/* Optional: 0 on success, else fill errbuf and return -1. */
	int (*init)(char *errbuf, size_t errlen);
	void (*fini)(void);
	const struct pm_task_def *tasks; /* ends with a {NULL} entry */
};

#ifdef __cplusplus
}
#endif
#endif
