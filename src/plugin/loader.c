/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plugin/loader.c — the registry of task plugins: a name found in the
 * search path, the file and every directory above it vetted as sudo vets
 * its plugins, the plugin's table checked in a short-lived child, then
 * loaded here through its open fd (and in workers through the manager's
 * fd, never the path); names resolved to a plugin and task. */
#define _GNU_SOURCE
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <libproc2/pids.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "value.h"

void pm_registry_init(pm_registry *r)
{
	memset(r, 0, sizeof *r);
}

void pm_registry_add_dir(pm_registry *r, const char *dir)
{
	/* The same directory reached two ways is searched (and listed) once. */
	char *real = realpath(dir, NULL);
	for (size_t i = 0; i < r->ndirs; i++) {
		char *other = realpath(r->dirs[i], NULL);
		bool same = !strcmp(r->dirs[i], dir) ||
			    (real && other && !strcmp(real, other));
		free(other);
		if (same) {
			free(real);
			return;
		}
	}
	free(real);
	r->dirs = xrealloc(r->dirs, (r->ndirs + 1) * sizeof *r->dirs);
	r->dirs[r->ndirs++] = xstrdup(dir);
}

void pm_registry_free(pm_registry *r)
{
	for (size_t i = r->n; i-- > 0;) {
		pm_plugin_entry *e = &r->entries[i];
		if (e->base->fini)
			e->base->fini();
		dlclose(e->handle);
		if (e->fd >= 0)
			close(e->fd);
		free(e->path);
		free(e->arg);
		free(e->reopen);
		free(e->sigs);
		for (size_t k = 0; k < e->ntasks; k++)
			free(e->full_names[k]);
		free(e->full_names);
	}
	free(r->entries);
	for (size_t i = 0; i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	memset(r, 0, sizeof *r);
}

static bool has_slash_or_so(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 3 && !strcmp(s + n - 3, ".so"));
}

static char *find_in_dirs(const pm_registry *r, const char *name)
{
	for (size_t i = 0; i < r->ndirs; i++) {
		char *p = xasprintf("%s/%s.so", r->dirs[i], name);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* ---- the file and its path ------------------------------------------------
 *
 * sudo's rule for what it trusts (sudo_secure_path in its lib/util): the
 * right type, owned by the expected user, not writable by others, not
 * writable by the group.  Applied here to the plugin file and to every
 * directory from the file's own up to '/' (anyone who can write one of them
 * can put another file in its place).  The owner may be root or the user
 * poolmon runs as.  One exception, for directories only: a sticky directory
 * (such as /tmp, 1777) may be writable by others, since the sticky bit stops
 * them renaming or removing what they do not own, and what lies below it is
 * itself checked. */

static int refuse_owner(const struct stat *st, const char *path,
			const char *what, char *err, size_t errlen)
{
	uid_t me = geteuid();
	if (me == 0)
		return pm_err(err, errlen,
			      "refusing plugin %s: %s is owned by uid %u, not by root",
			      path, what, (unsigned)st->st_uid);
	return pm_err(err, errlen,
		      "refusing plugin %s: %s is owned by uid %u, not by root or you (uid %u)",
		      path, what, (unsigned)st->st_uid, (unsigned)me);
}

static int check_secure(const struct stat *st, bool dir, const char *path,
			const char *what, char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return refuse_owner(st, path, what, err, errlen);
	if (dir && (st->st_mode & S_ISVTX))
		return 0;
	if (st->st_mode & S_IWOTH)
		return pm_err(err, errlen,
			      "refusing plugin %s: %s is writable by others", path,
			      what);
	if (st->st_mode & S_IWGRP)
		return pm_err(err, errlen,
			      "refusing plugin %s: %s is writable by its group (gid %u)",
			      path, what, (unsigned)st->st_gid);
	return 0;
}

/* Every directory of path (absolute, no symlinks: a realpath) up to '/'. */
static int check_dirs(const char *path, char *err, size_t errlen)
{
	char *d = xstrdup(path);
	int rc = 0;
	for (bool first = true; rc == 0; first = false) {
		char *slash = strrchr(d, '/');
		if (!slash)
			break;
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
		struct stat st;
		char *what = first ? xasprintf("its directory %s", d)
				   : xasprintf("the directory %s on its path", d);
		if (lstat(d, &st) < 0)
			rc = pm_err(err, errlen, "cannot load plugin %s: %s: %s",
				    path, d, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			rc = pm_err(err, errlen,
				    "refusing plugin %s: %s is not a directory",
				    path, what);
		else
			rc = check_secure(&st, true, path, what, err, errlen);
		free(what);
		if (!strcmp(d, "/"))
			break;
	}
	free(d);
	return rc;
}

/* Opens path once and checks the open file (fstat) and its directories.
 * Returns the fd (close-on-exec) and its stat, or -1 with a message. */
static int open_checked(const char *path, struct stat *st, char *err,
			size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return pm_err(err, errlen, "cannot load plugin %s: %s", path,
			      strerror(errno));
	unsigned char magic[4] = { 0 };
	int rc = 0;
	if (fstat(fd, st) < 0)
		rc = pm_err(err, errlen, "cannot load plugin %s: %s", path,
			    strerror(errno));
	else if (!S_ISREG(st->st_mode))
		rc = pm_err(err, errlen,
			    "cannot load plugin %s: not a regular file", path);
	else if (check_secure(st, false, path, "it", err, errlen) < 0 ||
		 check_dirs(path, err, errlen) < 0)
		rc = -1;
	else if (pread(fd, magic, sizeof magic, 0) != 4 ||
		 memcmp(magic, "\177ELF", 4) != 0)
		rc = pm_err(err, errlen,
			    "cannot load plugin %s: not an ELF shared object",
			    path);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int task_name_taken(const pm_registry *r, const char *plugin,
			   const char *task)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct pm_plugin *p = r->entries[i].plugin;
		if (strcmp(p->name, plugin))
			continue;
		for (size_t k = 0; p->tasks[k].name; k++)
			if (!strcmp(p->tasks[k].name, task))
				return 1;
	}
	return 0;
}

static int vet_plugin(const pm_registry *r, const struct pm_plugin *p,
		      const char *path, pm_signature **sigs_out,
		      size_t *ntasks_out, char *err, size_t errlen)
{
	if (POOLMON_ABI_GET_MAJOR(p->abi_version) != POOLMON_ABI_MAJOR)
		return pm_err(err, errlen,
			      "refusing plugin %s: ABI version %u.%u, poolmon speaks %u.%u",
			      path, POOLMON_ABI_GET_MAJOR(p->abi_version),
			      POOLMON_ABI_GET_MINOR(p->abi_version),
			      POOLMON_ABI_MAJOR, POOLMON_ABI_MINOR);
	if (!p->name || !*p->name || strchr(p->name, '.') ||
	    strpbrk(p->name, " \t"))
		return pm_err(err, errlen,
			      "refusing plugin %s: missing or bad plugin name",
			      path);
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->entries[i].plugin->name, p->name))
			return pm_err(err, errlen,
				      "refusing plugin %s: a plugin named '%s' is already loaded from %s",
				      path, p->name, r->entries[i].path);
	if (!p->tasks)
		return pm_err(err, errlen, "refusing plugin %s: no task table",
			      path);
	size_t n = 0;
	while (p->tasks[n].name)
		n++;
	pm_signature *sigs = xcalloc(n ? n : 1, sizeof *sigs);
	for (size_t i = 0; i < n; i++) {
		const struct pm_task_def *t = &p->tasks[i];
		char why[256];
		if (!*t->name || strpbrk(t->name, ". \t") || !t->fn) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task %zu has a bad name or no function",
				      path, i + 1);
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->tasks[k].name, t->name)) {
				free(sigs);
				return pm_err(err, errlen,
					      "refusing plugin %s: task '%s' is defined twice",
					      path, t->name);
			}
		if (task_name_taken(r, p->name, t->name)) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task '%s.%s' exists already",
				      path, p->name, t->name);
		}
		if (pm_signature_parse(t->signature, &sigs[i], why,
				       sizeof why) < 0) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task '%s' has a malformed signature \"%s\": %s",
				      path, t->name, t->signature, why);
		}
	}
	*sigs_out = sigs;
	*ntasks_out = n;
	return 0;
}

/* ---- NAME:ARG, a table made at load time (ABI 1.3) ------------------------ */

/* The plugin's open, if its ABI has the field (an older plugin's struct
 * ends before it). */
static const struct pm_plugin *(*plugin_open(const struct pm_plugin *p))(
	const char *, char *, size_t)
{
	if (POOLMON_ABI_GET_MAJOR(p->abi_version) != POOLMON_ABI_MAJOR ||
	    POOLMON_ABI_GET_MINOR(p->abi_version) < 3)
		return NULL;
	return p->open;
}

static int check_opener(const struct pm_plugin *p, const char *path,
			char *err, size_t errlen)
{
	if (POOLMON_ABI_GET_MAJOR(p->abi_version) != POOLMON_ABI_MAJOR)
		return pm_err(err, errlen,
			      "refusing plugin %s: ABI version %u.%u, poolmon speaks %u.%u",
			      path, POOLMON_ABI_GET_MAJOR(p->abi_version),
			      POOLMON_ABI_GET_MINOR(p->abi_version),
			      POOLMON_ABI_MAJOR, POOLMON_ABI_MINOR);
	if (!plugin_open(p))
		return pm_err(err, errlen,
			      "refusing plugin %s: it takes no argument (load it without ':')",
			      path);
	return 0;
}

/* FNV-1a of what a worker must agree on: the names and signatures. */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : "");
	     ; p++) {
		h ^= *p;
		h *= UINT64_C(1099511628211);
		if (!*p)
			return h;
	}
}

static uint64_t table_hash(const struct pm_plugin *p)
{
	uint64_t h = fnv(UINT64_C(14695981039346656037), p->name);
	for (size_t k = 0; p->tasks[k].name; k++)
		h = fnv(fnv(h, p->tasks[k].name), p->tasks[k].signature);
	return h;
}

/* The task_data entries, if the plugin's ABI has the field. */
static void *const *plugin_task_data(const struct pm_plugin *p)
{
	if (POOLMON_ABI_GET_MINOR(p->abi_version) < 3)
		return NULL;
	return p->task_data;
}

void *pm_registry_task_data(const pm_registry *r, size_t plugin, size_t task)
{
	void *const *d = plugin_task_data(r->entries[plugin].plugin);
	return d ? d[task] : NULL;
}

/* ---- loading through the open fd ----------------------------------------- */

static void fd_name(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* dlopens the open file fd and looks its table over.  *hp is the handle
 * whenever dlopen succeeded (also on a refusal: the caller unloads it, or
 * not). */
static int open_table(const pm_registry *r, int fd, const char *path,
		      const char *arg, void **hp, const struct pm_plugin **pp,
		      pm_signature **sigs, size_t *ntasks, char *err,
		      size_t errlen)
{
	char name[64];
	fd_name(name, sizeof name, fd);
	*hp = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!*hp) {
		/* "/proc/self/fd/5: undefined symbol: x": the path instead. */
		const char *why = dlerror();
		size_t nl = strlen(name);
		if (!why)
			why = "dlopen failed";
		else if (!strncmp(why, name, nl) && !strncmp(why + nl, ": ", 2))
			why += nl + 2;
		return pm_err(err, errlen, "cannot load plugin %s: %s", path,
			      why);
	}
	*pp = dlsym(*hp, POOLMON_PLUGIN_SYMBOL);
	if (!*pp)
		return pm_err(err, errlen,
			      "refusing plugin %s: it does not export the symbol '%s'",
			      path, POOLMON_PLUGIN_SYMBOL);
	if (arg) /* its table comes from open(arg), vetted then */
		return check_opener(*pp, path, err, errlen);
	if (plugin_open(*pp) && (*pp)->tasks && !(*pp)->tasks[0].name)
		return pm_err(err, errlen,
			      "refusing plugin %s: it makes its tasks from an argument: load %s:ARG",
			      path, (*pp)->name ? (*pp)->name : "NAME");
	return vet_plugin(r, *pp, path, sigs, ntasks, err, errlen);
}

/* Unloads a refused handle; true if the object is gone, so that its fd may
 * be closed.  One that stays mapped (a NODELETE object) keeps its fd open:
 * else a later plugin given the same fd number would get the same
 * /proc/self/fd/N name, and dlopen would hand back this one. */
static bool unload(void *h, int fd)
{
	if (!h)
		return true;
	dlclose(h);
	char name[64];
	fd_name(name, sizeof name, fd);
	void *still = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
	if (!still)
		return true;
	dlclose(still);
	return false;
}

/* The processes the vetting child forked, and theirs (it is their
 * subreaper): killed and reaped until none is left. */
/* PIDS_VAL changed arity in procps-ng 4.0.5; this is ours. */
#define PS_VAL(stack, rel, type) ((stack)->head[(rel)].result.type)

static size_t children_of(pid_t parent, pid_t *out, size_t max)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_PPID };
	enum { REL_PID, REL_PPID };
	struct pids_info *info = NULL;
	size_t n = 0;
	if (procps_pids_new(&info, items, sizeof items / sizeof *items) < 0)
		return 0;
	struct pids_fetch *f = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
	for (int i = 0; f && i < f->counts->total && n < max; i++)
		if (PS_VAL(f->stacks[i], REL_PPID, s_int) == parent)
			out[n++] = PS_VAL(f->stacks[i], REL_PID, s_int);
	procps_pids_unref(&info);
	return n;
}

static void end_descendants(pid_t me)
{
	for (int round = 0; round < 1000; round++) {
		pid_t kids[256];
		size_t n = children_of(me, kids, sizeof kids / sizeof *kids);
		for (size_t i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		for (size_t i = 0; i < n; i++)
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
		if (n == 0 && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return;
	}
}

#define VET_TIMEOUT_S 10

/* In the child: load, check, end what the constructors started, report
 * '+' or '-' and the message in one write (atomic: at most PIPE_BUF). */
static __attribute__((noreturn)) void vet_child(const pm_registry *r, int fd,
						const char *path,
						const char *arg, int out)
{
	pid_t me = getpid();
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Signals as a fresh process has them: a crash is a crash, even where
	 * the manager (or a sanitizer runtime) installed handlers. */
	for (int s = 1; s < SIGRTMIN; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char msg[1024] = "+";
	void *h;
	const struct pm_plugin *p = NULL;
	pm_signature *sigs = NULL;
	size_t ntasks = 0;
	if (open_table(r, fd, path, arg, &h, &p, &sigs, &ntasks, msg + 1,
		       sizeof msg - 1) < 0)
		msg[0] = '-';
	if (getpid() != me)
		_exit(0); /* a copy of this process that a constructor forked */
	end_descendants(me);
	ssize_t put = write(out, msg, 1 + strlen(msg + 1));
	_exit(put > 0 ? 0 : 1);
}

/* Loads fd in a short-lived child first: 0 if it passed there, else -1 with
 * the refusal (the child's, or why the child ended without one). */
static int vet_in_child(const pm_registry *r, int fd, const char *path,
			const char *arg, char *err, size_t errlen)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return pm_err(err, errlen, "cannot load plugin %s: pipe: %s",
			      path, strerror(errno));
	fflush(NULL); /* nothing buffered twice if a constructor calls exit */
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return pm_err(err, errlen, "cannot load plugin %s: fork: %s",
			      path, strerror(e));
	}
	if (pid == 0) {
		close(pfd[0]);
		vet_child(r, fd, path, arg, pfd[1]);
	}
	close(pfd[1]);
	setpgid(pid, pid); /* the child does too: whichever runs first */
	int pidfd = pidfd_open(pid, 0);
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += VET_TIMEOUT_S;
	char msg[1024];
	ssize_t got = -1;
	bool ended = false, timed_out = false, eof = false;
	while (got < 0 && !ended) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (end.tv_sec - now.tv_sec) * 1000 +
			  (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0) {
			timed_out = true;
			break;
		}
		/* Without a pidfd (Linux < 5.3), look for its end every 50 ms. */
		struct pollfd pf[2] = { { eof ? -1 : pfd[0], POLLIN, 0 },
					{ pidfd, POLLIN, 0 } };
		int n = poll(pf, 2,
			     pidfd >= 0 ? (int)ms : (ms < 50 ? (int)ms : 50));
		if (n < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			got = read(pfd[0], msg, sizeof msg - 1);
			if (got <= 0) /* closed without a word: wait for its end */
				got = -1, eof = true;
			continue;
		}
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
			    0 &&
		    si.si_pid == pid) {
			/* Ended: take a report it wrote just before. */
			int fl = fcntl(pfd[0], F_GETFL);
			fcntl(pfd[0], F_SETFL, fl | O_NONBLOCK);
			got = eof ? -1 : read(pfd[0], msg, sizeof msg - 1);
			if (got <= 0)
				got = -1;
			ended = true;
		}
	}
	/* Its process group goes with it (it is a zombie at most, so its pid
	 * cannot have been reused). */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pidfd >= 0)
		close(pidfd);
	close(pfd[0]);
	if (got > 0) {
		msg[got] = '\0';
		if (msg[0] == '+')
			return 0;
		return pm_err(err, errlen, "%s", msg + 1);
	}
	if (timed_out)
		return pm_err(err, errlen,
			      "refusing plugin %s: loading it did not finish within %d s",
			      path, VET_TIMEOUT_S);
	if (WIFSIGNALED(status))
		return pm_err(err, errlen,
			      "refusing plugin %s: it crashed while being loaded (%s)",
			      path, pm_signal_name(WTERMSIG(status)));
	if (WIFEXITED(status))
		return pm_err(err, errlen,
			      "refusing plugin %s: it ended the process while being loaded (exit status %d)",
			      path, WEXITSTATUS(status));
	return pm_err(err, errlen,
		      "refusing plugin %s: it did not report while being loaded",
		      path);
}

/* The plugin's init (and for a NAME:ARG load its open, whose table is
 * vetted, and compared with want_hash if given), then its entry.  On
 * failure the handle is unloaded and the fd closed (or kept, see unload). */
static int finish_load(pm_registry *r, void *h, const struct pm_plugin *p,
		       pm_signature *sigs, size_t ntasks, const char *path,
		       const char *arg, const uint64_t *want_hash, int fd,
		       const struct stat *st, char *err, size_t errlen)
{
	const struct pm_plugin *base = p;
	if (p->init) {
		char why[256] = "";
		if (p->init(why, sizeof why) != 0) {
			free(sigs);
			if (unload(h, fd))
				close(fd);
			return pm_err(err, errlen,
				      "refusing plugin %s: its init failed: %s",
				      path, *why ? why : "no reason given");
		}
	}
	/* In a worker (want_hash) path is the manager's NAME:ARG already,
	 * and arg may be the plugin's reopen text. */
	char *label = arg && !want_hash ? xasprintf("%s:%s", base->name, arg)
					: xstrdup(path);
	if (arg) {
		char why[2048] = "";
		const struct pm_plugin *q = base->open(arg, why, sizeof why);
		int rc = 0;
		if (!q)
			rc = pm_err(err, errlen, "cannot load %s: %s", label,
				    *why ? why : "its plugin refused it");
		else if (vet_plugin(r, q, label, &sigs, &ntasks, err, errlen) < 0)
			rc = -1;
		else if (want_hash && table_hash(q) != *want_hash) {
			free(sigs);
			rc = pm_err(err, errlen,
				    "refusing %s: its tasks are not the ones poolmon loaded (was it changed since?)",
				    label);
		}
		if (rc < 0) {
			free(label);
			if (base->fini)
				base->fini();
			if (unload(h, fd))
				close(fd);
			return -1;
		}
		p = q;
	}
	char **names = xcalloc(ntasks ? ntasks : 1, sizeof *names);
	for (size_t i = 0; i < ntasks; i++)
		names[i] = xasprintf("%s.%s", p->name, p->tasks[i].name);
	r->entries = xrealloc(r->entries, (r->n + 1) * sizeof *r->entries);
	r->entries[r->n++] = (pm_plugin_entry){
		.handle = h,
		.plugin = p,
		.base = base,
		.path = label,
		.arg = arg ? xstrdup(arg) : NULL,
		.reopen = arg && POOLMON_ABI_GET_MINOR(p->abi_version) >= 3 &&
				  p->reopen
				  ? xstrdup(p->reopen)
				  : NULL,
		.table_hash = table_hash(p),
		.fd = fd,
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.sigs = sigs,
		.full_names = names,
		.ntasks = ntasks,
	};
	return 0;
}

/* Opens the plugin in fd (vetted) here: its table checked, then kept. */
static int load_fd(pm_registry *r, int fd, const char *path, const char *arg,
		   const uint64_t *want_hash, const struct stat *st, char *err,
		   size_t errlen)
{
	void *h;
	const struct pm_plugin *p = NULL;
	pm_signature *sigs = NULL;
	size_t ntasks = 0;
	if (open_table(r, fd, path, arg, &h, &p, &sigs, &ntasks, err,
		       errlen) < 0) {
		if (unload(h, fd))
			close(fd);
		return -1;
	}
	return finish_load(r, h, p, sigs, ntasks, path, arg, want_hash, fd, st,
			   err, errlen);
}

/* path is a realpath. */
static int load_checked(pm_registry *r, const char *path, const char *arg,
			char *err, size_t errlen)
{
	struct stat st;
	int fd = open_checked(path, &st, err, errlen);
	if (fd < 0)
		return -1;
	if (vet_in_child(r, fd, path, arg, err, errlen) < 0) {
		close(fd); /* never loaded here */
		return -1;
	}
	return load_fd(r, fd, path, arg, NULL, &st, err, errlen);
}

static int load_named(pm_registry *r, const char *spec, const char *arg,
		      char *err, size_t errlen);

int pm_registry_load(pm_registry *r, const char *spec, char *err,
		     size_t errlen)
{
	if (!spec || !*spec)
		return pm_err(err, errlen, "load: no plugin named");
	/* NAME:ARG, NAME a bare plugin name (a path may hold a ':'). */
	const char *colon = strchr(spec, ':');
	if (colon && colon > spec && !memchr(spec, '/', (size_t)(colon - spec))) {
		if (!colon[1])
			return pm_err(err, errlen,
				      "%s: nothing after the ':' (load NAME:ARG)",
				      spec);
		char *name = xasprintf("%.*s", (int)(colon - spec), spec);
		int rc = load_named(r, name, colon + 1, err, errlen);
		free(name);
		return rc;
	}
	if (has_slash_or_so(spec)) {
		char *real = realpath(spec, NULL);
		if (!real)
			return pm_err(err, errlen, "cannot load plugin %s: %s",
				      spec, strerror(errno));
		int rc = load_checked(r, real, NULL, err, errlen);
		free(real);
		return rc;
	}
	return load_named(r, spec, NULL, err, errlen);
}

/* A bare name, NAME.so in the search dirs. */
static int load_named(pm_registry *r, const char *spec, const char *arg,
		      char *err, size_t errlen)
{
	char *path = find_in_dirs(r, spec);
	if (!path) {
		pm_buf b = { 0 };
		for (size_t i = 0; i < r->ndirs; i++)
			pm_buf_printf(&b, "%s%s", i ? ":" : "", r->dirs[i]);
		pm_err(err, errlen, "no plugin '%s' in the plugin path (%s)",
		       spec, b.s ? b.s : "empty");
		pm_buf_free(&b);
		return -1;
	}
	char *real = realpath(path, NULL);
	int rc;
	if (!real)
		rc = pm_err(err, errlen, "cannot load plugin %s: %s", path,
			    strerror(errno));
	else
		rc = load_checked(r, real, arg, err, errlen);
	free(real);
	free(path);
	return rc;
}

pm_plugin_ref pm_registry_ref(const pm_registry *r, size_t i)
{
	const pm_plugin_entry *e = &r->entries[i];
	return (pm_plugin_ref){ (int32_t)getpid(), e->fd, e->dev, e->ino,
				e->table_hash };
}

int pm_registry_load_ref(pm_registry *r, const pm_plugin_ref *ref,
			 const char *path, const char *arg, char *err,
			 size_t errlen)
{
	char name[64];
	snprintf(name, sizeof name, "/proc/%d/fd/%d", (int)ref->pid,
		 (int)ref->fd);
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return pm_err(err, errlen, "cannot load plugin %s: %s: %s",
			      path, name, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != ref->dev ||
	    (uint64_t)st.st_ino != ref->ino) {
		close(fd);
		return pm_err(err, errlen,
			      "refusing plugin %s: %s is not the file that was vetted",
			      path, name);
	}
	return load_fd(r, fd, path, arg, arg ? &ref->table_hash : NULL, &st,
		       err, errlen);
}

int pm_registry_find(const pm_registry *r, const char *name, size_t *plugin,
		     size_t *task, char *err, size_t errlen)
{
	const char *dot = strchr(name, '.');
	size_t found = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct pm_plugin *p = r->entries[i].plugin;
		const char *tname = name;
		if (dot) {
			size_t pl = (size_t)(dot - name);
			if (strlen(p->name) != pl || strncmp(p->name, name, pl))
				continue;
			tname = dot + 1;
		}
		for (size_t k = 0; k < r->entries[i].ntasks; k++) {
			if (strcmp(p->tasks[k].name, tname))
				continue;
			if (found++ == 0) {
				*plugin = i;
				*task = k;
			}
		}
	}
	if (found == 1)
		return 0;
	if (found > 1)
		return pm_err(err, errlen,
			      "task name '%s' is ambiguous: write plugin.%s",
			      name, name);
	return pm_err(err, errlen, "unknown task '%s' (see 'tasks')", name);
}
