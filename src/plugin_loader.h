/* Loading task plugins with dlopen, checking them as sudo checks its
 * plugins, and resolving task names and argument signatures. */
#ifndef POOLMON_PLUGIN_LOADER_H
#define POOLMON_PLUGIN_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "poolmon/plugin.h"

#define PM_MAX_PARAMS 16

typedef struct pm_param {
	char name[32];
	pm_type type;     /* PM_NONE means any type */
	bool variadic;    /* *rest: any number of trailing arguments */
	bool kwargs;      /* **kw, last: the task gets the key=value options
			   * as its last argument, a list of [key, value] */
} pm_param;

typedef struct pm_signature {
	pm_param params[PM_MAX_PARAMS];
	size_t n;
} pm_signature;

typedef struct pm_plugin_entry {
	void *handle;
	const struct pm_plugin *plugin;
	char *path;
	/* The file that was vetted, open for the registry's life: the
	 * manager and every worker load /proc/self/fd/<fd>, never the path
	 * again, so a file put in its place afterwards is never run. */
	int fd;
	uint64_t dev, ino;
	pm_signature *sigs; /* one per task */
	char **full_names;  /* "plugin.task", one per task */
	size_t ntasks;
} pm_plugin_entry;

typedef struct pm_registry {
	pm_plugin_entry *entries;
	size_t n;
	char **dirs; /* search path for bare names */
	size_t ndirs;
} pm_registry;

void pm_registry_init(pm_registry *r);
void pm_registry_add_dir(pm_registry *r, const char *dir);
/* Unloads every plugin, running each fini. */
void pm_registry_free(pm_registry *r);

/* Loads a path (anything with a '/' or ending in .so) or a bare name looked
 * up as NAME.so in the search dirs.  The file is opened once; the open file,
 * and every directory up to '/', must be owned by root or the user poolmon
 * runs as and not writable by anyone else (a sticky directory such as /tmp
 * may be).  Then a short-lived child process loads it and checks its table,
 * so a constructor that crashes, exits or hangs ends the child, not the
 * caller; only a plugin that passed is loaded here.  On refusal nothing is
 * loaded and err names the reason (and the offending path). */
int pm_registry_load(pm_registry *r, const char *spec, char *err,
		     size_t errlen);

/* How a worker finds the file its manager vetted: the manager's pid and
 * its open fd of the file, and the file's identity to compare with. */
typedef struct pm_plugin_ref {
	int32_t pid, fd;
	uint64_t dev, ino;
} pm_plugin_ref;
/* The ref of the plugin entry i (loaded by pm_registry_load). */
pm_plugin_ref pm_registry_ref(const pm_registry *r, size_t i);
/* Loads in a worker the file that ref names: /proc/PID/fd/FD opened and
 * compared (device and inode) with the vetted one, then loaded through its
 * own fd — never through the path, which someone may have replaced since.
 * path is for messages and listings. */
int pm_registry_load_ref(pm_registry *r, const pm_plugin_ref *ref,
			 const char *path, char *err, size_t errlen);

/* "square" or "demo.square".  Returns 0 and the indexes, or -1 with a
 * message. */
int pm_registry_find(const pm_registry *r, const char *name, size_t *plugin,
		     size_t *task, char *err, size_t errlen);

/* Parses "a:int, b:float, *rest"; -1 with a message if malformed. */
int pm_signature_parse(const char *text, pm_signature *sig, char *err,
		       size_t errlen);
/* Checks (and converts int to float where a float is expected) arguments
 * against a signature. */
int pm_signature_check(const pm_signature *sig, pm_value *args, size_t nargs,
		       char *err, size_t errlen);

/* A key=value given to a task: binds a declared parameter by name, else
 * goes to its **kw. */
typedef struct pm_kwarg {
	const char *key;
	const pm_value *value;
} pm_kwarg;
/* True if the signature ends in **kw. */
bool pm_signature_has_kwargs(const pm_signature *sig);
/* Binds positional arguments and key=value options to a signature, as
 * Python binds a call: options naming a parameter fill its slot, the rest
 * go to **kw (a list of [key, value], always present when declared) or are
 * refused.  *out (nout values) is a fresh copy; -1 with a message. */
int pm_signature_bind(const pm_signature *sig, const pm_value *args,
		      size_t nargs, const pm_kwarg *kw, size_t nkw,
		      pm_value **out, size_t *nout, char *err, size_t errlen);

#endif
