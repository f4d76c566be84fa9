/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plugin/loader.h — loading task plugins with dlopen, checking them as
 * sudo checks its plugins, and resolving task names; each task's
 * signature is src/plugin/signature.h. */
#ifndef POOLMON_PLUGIN_LOADER_H
#define POOLMON_PLUGIN_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "poolmon/plugin.h"
#include "signature.h"

typedef struct pm_plugin_entry {
	void *handle;
	const struct pm_plugin *plugin;
	char *path;
	/* The file that was vetted, open for the registry's life: the
	 * manager and every worker load /proc/self/fd/<fd>, never the path
	 * again, so a file put in its place afterwards is never run. */
	int fd;
	uint64_t dev, ino;
	/* `load NAME:ARG` (ABI 1.3): the ARG given to the plugin's open, whose
	 * result is `plugin`; NULL for a plain load.  path is then
	 * "NAME:ARG". */
	char *arg;
	char *reopen; /* what running workers' open gets instead, or NULL */
	const struct pm_plugin *base; /* the file's own, whose fini runs */
	uint64_t table_hash; /* of the plugin's name, tasks and signatures */
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
 * up as NAME.so in the search dirs; "NAME:ARG" (NAME without a '/') loads
 * NAME so, then registers the tasks its open(ARG) makes (ABI 1.3).  The file is opened once; the open file,
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
	uint64_t table_hash; /* a NAME:ARG load: what open(ARG) must make */
} pm_plugin_ref;
/* The ref of the plugin entry i (loaded by pm_registry_load). */
pm_plugin_ref pm_registry_ref(const pm_registry *r, size_t i);
/* Loads in a worker the file that ref names: /proc/PID/fd/FD opened and
 * compared (device and inode) with the vetted one, then loaded through its
 * own fd — never through the path, which someone may have replaced since.
 * path is for messages and listings; arg (or NULL) is the ARG of a
 * NAME:ARG load, whose open must make the same table as in the manager. */
int pm_registry_load_ref(pm_registry *r, const pm_plugin_ref *ref,
			 const char *path, const char *arg, char *err,
			 size_t errlen);

/* ctx->task_data of a task: its plugin's task_data entry (ABI 1.3), or
 * NULL. */
void *pm_registry_task_data(const pm_registry *r, size_t plugin, size_t task);

/* "square" or "demo.square".  Returns 0 and the indexes, or -1 with a
 * message. */
int pm_registry_find(const pm_registry *r, const char *name, size_t *plugin,
		     size_t *task, char *err, size_t errlen);

#endif
